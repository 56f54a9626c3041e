import { Fragment, useEffect, useId, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { useI18n } from '../i18n';
import { AdminPage, UserErrors, type UserError } from './common';
import { refusalsOf, type Answer } from './mutations';
import { RoleHolders, type RoleAssignment } from './RoleHolders';

interface Permission {
  entityType: string;
  partition: string | null;
  action: string;
  level: string;
}

interface Role {
  id: string;
  name: string;
  canConfigure: boolean;
  permissions: Permission[];
  assignments: RoleAssignment[];
}

interface TypeInfo {
  name: string;
  pluralLabel: string;
  permissionPartitions: string[];
  fields: { name: string; selectionList: string | null }[];
  actions: { name: string; label: string }[];
}

interface Partition {
  key: string;
  label: string;
  depth: number;
}

const levels = ['NONE', 'OWN', 'DEPARTMENT', 'SUBDEPARTMENTS', 'OPEN', 'ALL'] as const;
const rolesQuery = `query AdminRoles($language: String) {
  roles { id name canConfigure permissions { entityType partition action level } assignments { userId departmentId withSubdepartments groupId } }
  entityTypes(language: $language) { name pluralLabel permissionPartitions fields { name selectionList } actions { name label } }
  pipelines { id name stages { id name } }
  selectionLists { entityId items { id name } }
}`;
const createRole = `mutation AdminCreateRole($input: CreateRoleInput!) { createRole(input: $input) { role { id } errors { code message path } } }`;
const updateRole = `mutation AdminUpdateRole($id: ID!, $input: UpdateRoleInput!) { updateRole(id: $id, input: $input) { role { id } errors { code message path } } }`;
const deleteRole = `mutation AdminDeleteRole($id: ID!) { deleteRole(id: $id) { deletedId errors { code message path } } }`;

const keyOf = (type: string, partition: string | null, action: string) => `${type}|${partition ?? ''}|${action}`;

/** Roles: a grid of record type × action × level, with rows for the partitions a type's rights may differ by (a deal's pipelines and stages). */
export function RolesPage() {
  const { t, language } = useI18n();
  const ids = useId();
  const [{ data }, refetch] = useQuery<{
    roles: Role[];
    entityTypes: TypeInfo[];
    pipelines: { id: string; name: string; stages: { id: string; name: string }[] }[];
    selectionLists: { entityId: string; items: { id: string; name: string }[] }[];
  }>({ query: rolesQuery, variables: { language }, requestPolicy: 'cache-and-network' });
  const [selected, setSelected] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [canConfigure, setCanConfigure] = useState(false);
  const [grid, setGrid] = useState<Map<string, string>>(new Map());
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const [status, setStatus] = useState<string | null>(null);
  const [problems, setProblems] = useState<UserError[]>([]);
  const [, create] = useMutation(createRole);
  const [, update] = useMutation(updateRole);
  const [, remove] = useMutation(deleteRole);
  const roles = data?.roles ?? [];
  const role = roles.find((r) => r.id === selected) ?? null;

  useEffect(() => {
    setName(role?.name ?? '');
    setCanConfigure(role?.canConfigure ?? false);
    setGrid(new Map((role?.permissions ?? []).map((p) => [keyOf(p.entityType, p.partition, p.action), p.level])));
  }, [role]);

  function partitions(type: TypeInfo): Partition[] {
    const [first] = type.permissionPartitions;
    if (!first) return [];
    if (type.name === 'DEAL' && first === 'pipelineId') {
      return (data?.pipelines ?? []).flatMap((p) => [
        { key: p.id, label: p.name, depth: 1 },
        ...(expanded.has(`${type.name}:${p.id}`) ? p.stages.map((s) => ({ key: `${p.id}/${s.id}`, label: s.name, depth: 2 })) : []),
      ]);
    }
    const list = type.fields.find((f) => f.name === first)?.selectionList;
    const items = (data?.selectionLists ?? []).find((l) => l.entityId === list)?.items ?? [];
    return items.map((i) => ({ key: i.id, label: i.name, depth: 1 }));
  }

  async function save() {
    const permissions = [...grid.entries()]
      .filter(([key, level]) => level !== '' && (level !== 'NONE' || key.split('|')[1] !== ''))
      .map(([key, level]) => {
        const [entityType, partition, action] = key.split('|');
        return { entityType, partition: partition || null, action, level };
      });
    const input = { name: name.trim(), canConfigure, permissions };
    const answer = (role ? await update({ id: role.id, input }) : await create({ input })) as Answer;
    const field = role ? 'updateRole' : 'createRole';
    const found = refusalsOf(answer, field);
    setProblems(found);
    if (found.length === 0) {
      setStatus(t('admin.saved'));
      const saved = (answer.data?.[field] as { role?: { id: string } } | undefined)?.role;
      if (saved) setSelected(saved.id);
      refetch({ requestPolicy: 'network-only' });
    }
  }

  /** After the admin confirms; a role something still names (an automation rule, a process) is kept, with the API's reason. */
  async function drop(chosen: Role) {
    if (!window.confirm(t('admin.roles.deleteConfirm', { name: chosen.name }))) return;
    const found = refusalsOf((await remove({ id: chosen.id })) as Answer, 'deleteRole');
    setProblems(found);
    if (found.length === 0) {
      setStatus(t('admin.roles.deleted', { name: chosen.name }));
      setSelected(null);
      refetch({ requestPolicy: 'network-only' });
    }
  }

  const cell = (type: TypeInfo, partition: Partition | null, action: { name: string; label: string }) => {
    const key = keyOf(type.name, partition?.key ?? null, action.name);
    const where = partition ? `${type.pluralLabel} / ${partition.label}` : type.pluralLabel;
    return (
      <td key={action.name}>
        <select
          aria-label={t('admin.roles.levelOf', { where, action: action.label })}
          value={grid.get(key) ?? ''}
          onChange={(e) => setGrid(new Map(grid).set(key, e.target.value))}
        >
          <option value="">{partition ? t('admin.roles.inherit') : t('admin.roles.level.NONE')}</option>
          {levels.filter((l) => partition || l !== 'NONE').map((l) => (
            <option key={l} value={l}>
              {t(`admin.roles.level.${l}`)}
            </option>
          ))}
        </select>
      </td>
    );
  };

  return (
    <AdminPage title={t('admin.roles')} status={status}>
      <div className="admin-columns roles-columns">
        <div className="form-grid">
          <div className="admin-panel form-grid">
            <div className="admin-row">
              <div className="form-field">
                <label htmlFor={`${ids}-name`}>{t('admin.roles.name')}</label>
                <input id={`${ids}-name`} value={name} onChange={(e) => setName(e.target.value)} required />
              </div>
              <label className="check">
                <input type="checkbox" checked={canConfigure} onChange={(e) => setCanConfigure(e.target.checked)} />
                {t('admin.roles.canConfigure')}
              </label>
              <button type="button" className="primary" onClick={save}>
                {t('admin.save')}
              </button>
              {role && (
                <button type="button" className="danger" onClick={() => drop(role)}>
                  {t('admin.roles.delete')}
                </button>
              )}
            </div>
            <UserErrors errors={problems} />
          </div>
          {role ? (
            <RoleHolders
              roleId={role.id}
              assignments={role.assignments}
              onChanged={(done) => {
                setStatus(done);
                refetch({ requestPolicy: 'network-only' });
              }}
            />
          ) : (
            <p className="muted">{t('admin.roles.saveFirst')}</p>
          )}
          <div className="admin-panel table-wrap">
            <table className="admin-table permission-grid" aria-label={t('admin.roles.grid')}>
              <tbody>
                {(data?.entityTypes ?? []).map((type) => (
                  <Fragment key={type.name}>
                    <tr>
                      <th scope="col">{type.pluralLabel}</th>
                      {type.actions.map((a) => (
                        <th key={a.name} scope="col">
                          {a.label}
                        </th>
                      ))}
                    </tr>
                    <tr>
                      <th scope="row">{t('admin.roles.all')}</th>
                      {type.actions.map((a) => cell(type, null, a))}
                    </tr>
                    {partitions(type).map((p) => (
                      <tr key={p.key} className={`partition depth-${p.depth}`}>
                        <th scope="row">
                          {type.name === 'DEAL' && p.depth === 1 && (
                            <button
                              type="button"
                              className="expander"
                              aria-expanded={expanded.has(`${type.name}:${p.key}`)}
                              aria-label={t('admin.roles.stagesOf', { name: p.label })}
                              onClick={() => {
                                const next = new Set(expanded);
                                const k = `${type.name}:${p.key}`;
                                if (next.has(k)) next.delete(k);
                                else next.add(k);
                                setExpanded(next);
                              }}
                            >
                              {expanded.has(`${type.name}:${p.key}`) ? '▾' : '▸'}
                            </button>
                          )}
                          {p.label}
                        </th>
                        {type.actions.map((a) => cell(type, p, a))}
                      </tr>
                    ))}
                  </Fragment>
                ))}
              </tbody>
            </table>
          </div>
        </div>
        <nav className="admin-panel" aria-label={t('admin.roles')}>
          <h2>{t('admin.roles')}</h2>
          <ul className="rule-list">
            <li>
              <button type="button" aria-current={selected === null} onClick={() => setSelected(null)}>
                + {t('admin.roles.new')}
              </button>
            </li>
            {roles.map((r) => (
              <li key={r.id}>
                <button type="button" aria-current={selected === r.id} onClick={() => setSelected(r.id)}>
                  {r.name}
                </button>
              </li>
            ))}
          </ul>
        </nav>
      </div>
    </AdminPage>
  );
}
