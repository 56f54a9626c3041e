import { useEffect, useId, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { UserChecklist } from '../components/UserChecklist';
import { useI18n } from '../i18n';
import { useUsers } from '../metadata/lookups';
import { AdminPage, UserErrors, type UserError } from './common';
import { refusalsOf, type Answer } from './mutations';

interface Group {
  id: string;
  name: string;
  memberIds: string[];
}

const groupsQuery = `query AdminGroups { groups { id name memberIds } }`;
const createGroup = `mutation AdminCreateGroup($input: CreateGroupInput!) { createGroup(input: $input) { group { id } errors { code message path } } }`;
const updateGroup = `mutation AdminUpdateGroup($id: ID!, $input: UpdateGroupInput!) { updateGroup(id: $id, input: $input) { group { id } errors { code message path } } }`;
const deleteGroup = `mutation AdminDeleteGroup($id: ID!) { deleteGroup(id: $id) { deletedId errors { code message path } } }`;

/**
 * Work groups: people from any departments who share a role (a project team, the key-account
 * desk). Roles are given to a group on the roles page; here a group is made, renamed and manned.
 */
export function GroupsPage() {
  const { t } = useI18n();
  const ids = useId();
  const users = useUsers();
  const [{ data }, refetch] = useQuery<{ groups: Group[] }>({ query: groupsQuery, requestPolicy: 'cache-and-network' });
  const [selected, setSelected] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [members, setMembers] = useState<string[]>([]);
  const [status, setStatus] = useState<string | null>(null);
  const [problems, setProblems] = useState<UserError[]>([]);
  const [, create] = useMutation(createGroup);
  const [, update] = useMutation(updateGroup);
  const [, remove] = useMutation(deleteGroup);
  const groups = data?.groups ?? [];
  const group = groups.find((g) => g.id === selected) ?? null;
  const nameOf = (id: string) => users.find((u) => u.id === id)?.name ?? `#${id}`;

  // The form shows the chosen group as saved (or is empty for a new one).
  useEffect(() => {
    setName(group?.name ?? '');
    setMembers(group?.memberIds ?? []);
  }, [group]);

  async function save(e: FormEvent) {
    e.preventDefault();
    const input = { name: name.trim(), memberIds: members };
    const answer = (group ? await update({ id: group.id, input }) : await create({ input })) as Answer;
    const field = group ? 'updateGroup' : 'createGroup';
    const found = refusalsOf(answer, field);
    setProblems(found);
    if (found.length > 0) return;
    setStatus(t('admin.saved'));
    const saved = (answer.data?.[field] as { group?: { id: string } } | undefined)?.group;
    if (saved) setSelected(saved.id);
    refetch({ requestPolicy: 'network-only' });
  }

  /** After the admin confirms: its members leave it and the roles given to it are taken back (the API says so too). */
  async function drop(chosen: Group) {
    if (!window.confirm(t('admin.groups.deleteConfirm', { name: chosen.name }))) return;
    const found = refusalsOf((await remove({ id: chosen.id })) as Answer, 'deleteGroup');
    setProblems(found);
    if (found.length > 0) return;
    setSelected(null);
    setStatus(t('admin.groups.deleted', { name: chosen.name }));
    refetch({ requestPolicy: 'network-only' });
  }

  return (
    <AdminPage title={t('admin.groups')} status={status}>
      <div className="admin-columns">
        <div className="admin-panel table-wrap">
          <table className="admin-table" aria-label={t('admin.groups.list')}>
            <thead>
              <tr>
                <th>{t('admin.groups.name')}</th>
                <th>{t('admin.groups.members')}</th>
              </tr>
            </thead>
            <tbody>
              {groups.map((g) => (
                <tr key={g.id} aria-current={g.id === selected || undefined}>
                  <td>
                    <button type="button" className="link" aria-label={t('admin.groups.edit', { name: g.name })} onClick={() => setSelected(g.id)}>
                      {g.name}
                    </button>
                  </td>
                  <td>
                    <span className="muted">{t('admin.groups.memberCount', { count: g.memberIds.length })}</span>{' '}
                    {g.memberIds.slice(0, 5).map(nameOf).join(', ')}
                    {g.memberIds.length > 5 ? ', …' : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {groups.length === 0 && <p className="muted">{t('admin.none')}</p>}
        </div>
        <form className="admin-panel form-grid" onSubmit={save} aria-label={group ? t('admin.groups.edit', { name: group.name }) : t('admin.groups.new')}>
          <h2>{group ? t('admin.groups.edit', { name: group.name }) : t('admin.groups.new')}</h2>
          <div className="form-field">
            <label htmlFor={`${ids}-name`}>{t('admin.groups.name')}</label>
            <input id={`${ids}-name`} value={name} onChange={(e) => setName(e.target.value)} required maxLength={255} />
          </div>
          {/* Keyed by the group, so the checklist's names and search start afresh for another group. */}
          <UserChecklist key={selected ?? 'new'} value={members} onChange={setMembers} known={users} legend={t('admin.groups.members')} />
          <UserErrors errors={problems} />
          <div className="dialog-actions">
            {group && (
              <>
                <button type="button" className="danger" onClick={() => drop(group)}>
                  {t('admin.groups.delete')}
                </button>
                <button type="button" onClick={() => setSelected(null)}>
                  {t('admin.cancel')}
                </button>
              </>
            )}
            <button type="submit" className="primary">
              {group ? t('admin.save') : t('admin.groups.create')}
            </button>
          </div>
        </form>
      </div>
    </AdminPage>
  );
}
