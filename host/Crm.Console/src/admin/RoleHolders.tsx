import { useId, useState, type ReactNode } from 'react';
import { useMutation, useQuery } from 'urql';
import { UserPicker } from '../components/UserPicker';
import { useI18n } from '../i18n';
import { useUsers, type UserRef } from '../metadata/lookups';
import { UserErrors, type UserError } from './common';
import { refusalsOf, type Answer } from './mutations';

/** Whom a role is given to: exactly one of a user, a department (with or without those below it), a group. */
export interface RoleAssignment {
  userId: string | null;
  departmentId: string | null;
  withSubdepartments: boolean;
  groupId: string | null;
}

type Kind = 'user' | 'department' | 'group';

const holdersQuery = `query AdminRoleHolders { departments { id name } groups { id name } }`;
const userNameQuery = `query AdminRoleHolderName($id: ID!) { user(id: $id) { id name lastName } }`;
const assignRole = `mutation AdminAssignRole($roleId: ID!, $userId: ID, $departmentId: ID, $groupId: ID, $withSubdepartments: Boolean) {
  assignRole(roleId: $roleId, userId: $userId, departmentId: $departmentId, groupId: $groupId, withSubdepartments: $withSubdepartments) { role { id } errors { code message path } }
}`;
const unassignRole = `mutation AdminUnassignRole($roleId: ID!, $userId: ID, $departmentId: ID, $groupId: ID, $withSubdepartments: Boolean) {
  unassignRole(roleId: $roleId, userId: $userId, departmentId: $departmentId, groupId: $groupId, withSubdepartments: $withSubdepartments) { role { id } errors { code message path } }
}`;

/**
 * The role's holders, each to take back, and a form to give it to a user, a department or a
 * group: what makes a role count. Every change is the API's assignRole or unassignRole, so its
 * refusals (a role the admin holds, one given to themselves) are shown as it words them.
 */
export function RoleHolders({ roleId, assignments, onChanged }: { roleId: string; assignments: RoleAssignment[]; onChanged: (status: string) => void }) {
  const { t } = useI18n();
  const ids = useId();
  const users = useUsers();
  const [{ data }] = useQuery<{ departments: { id: string; name: string }[]; groups: { id: string; name: string }[] }>({
    query: holdersQuery,
    requestPolicy: 'cache-and-network',
  });
  const [kind, setKind] = useState<Kind>('user');
  const [chosen, setChosen] = useState('');
  const [withSubdepartments, setWithSubdepartments] = useState(false);
  const [problems, setProblems] = useState<UserError[]>([]);
  const [, give] = useMutation(assignRole);
  const [, takeBack] = useMutation(unassignRole);
  const departments = data?.departments ?? [];
  const groups = data?.groups ?? [];

  const label = (a: RoleAssignment, userName: (id: string) => string) => {
    if (a.userId) return t('admin.roles.holder.user', { name: userName(a.userId) });
    if (a.departmentId) {
      const name = departments.find((d) => d.id === a.departmentId)?.name ?? `#${a.departmentId}`;
      return t(a.withSubdepartments ? 'admin.roles.holder.departmentBelow' : 'admin.roles.holder.department', { name });
    }
    return t('admin.roles.holder.group', { name: groups.find((g) => g.id === a.groupId)?.name ?? `#${a.groupId}` });
  };

  async function change(answer: Answer, field: string, done: string) {
    const found = refusalsOf(answer, field);
    setProblems(found);
    if (found.length === 0) onChanged(done);
    return found.length === 0;
  }

  async function submit() {
    if (!chosen) return;
    const target = {
      roleId,
      userId: kind === 'user' ? chosen : null,
      departmentId: kind === 'department' ? chosen : null,
      groupId: kind === 'group' ? chosen : null,
      withSubdepartments: kind === 'department' && withSubdepartments,
    };
    if (await change((await give(target)) as Answer, 'assignRole', t('admin.roles.given'))) setChosen('');
  }

  return (
    <section className="admin-panel form-grid" aria-labelledby={`${ids}-heading`}>
      <h2 id={`${ids}-heading`}>{t('admin.roles.holders')}</h2>
      {assignments.length === 0 ? (
        <p className="muted">{t('admin.roles.holders.none')}</p>
      ) : (
        <ul className="holder-list" aria-label={t('admin.roles.holders')}>
          {assignments.map((a) => (
            <Holder key={`${a.userId}|${a.departmentId}|${a.withSubdepartments}|${a.groupId}`} assignment={a} known={users} label={label}>
              {(text) => (
                <button
                  type="button"
                  aria-label={t('admin.roles.takeBack', { holder: text })}
                  onClick={async () => change((await takeBack({ roleId, ...a })) as Answer, 'unassignRole', t('admin.roles.takenBack'))}
                >
                  {t('admin.roles.takeBackShort')}
                </button>
              )}
            </Holder>
          ))}
        </ul>
      )}
      <div className="admin-row" role="group" aria-label={t('admin.roles.give')}>
        <div className="form-field">
          <label htmlFor={`${ids}-kind`}>{t('admin.roles.giveTo')}</label>
          <select
            id={`${ids}-kind`}
            value={kind}
            onChange={(e) => {
              setKind(e.target.value as Kind);
              setChosen('');
            }}
          >
            <option value="user">{t('admin.roles.kind.user')}</option>
            <option value="department">{t('admin.roles.kind.department')}</option>
            <option value="group">{t('admin.roles.kind.group')}</option>
          </select>
        </div>
        <div className="form-field">
          {kind === 'user' ? (
            <UserPicker value={chosen} onChange={setChosen} known={users} label={t('admin.roles.kind.user')} />
          ) : (
            <>
              <label htmlFor={`${ids}-holder`}>{t(kind === 'department' ? 'admin.roles.kind.department' : 'admin.roles.kind.group')}</label>
              <select id={`${ids}-holder`} value={chosen} onChange={(e) => setChosen(e.target.value)}>
                <option value="">—</option>
                {(kind === 'department' ? departments : groups).map((h) => (
                  <option key={h.id} value={h.id}>
                    {h.name}
                  </option>
                ))}
              </select>
            </>
          )}
        </div>
        {kind === 'department' && (
          <label className="check">
            <input type="checkbox" checked={withSubdepartments} onChange={(e) => setWithSubdepartments(e.target.checked)} />
            {t('admin.roles.withSubdepartments')}
          </label>
        )}
        <button type="button" className="primary" disabled={!chosen} onClick={submit}>
          {t('admin.roles.give')}
        </button>
      </div>
      <UserErrors errors={problems} />
    </section>
  );
}

/** One holder: a user beyond the first page the console loaded is asked for by id, so it is named rather than numbered. */
function Holder({
  assignment,
  known,
  label,
  children,
}: {
  assignment: RoleAssignment;
  known: UserRef[];
  label: (a: RoleAssignment, userName: (id: string) => string) => string;
  children: (text: string) => ReactNode;
}) {
  const userId = assignment.userId;
  const knownName = userId ? known.find((u) => u.id === userId)?.name : undefined;
  const [{ data }] = useQuery<{ user: { name: string; lastName: string | null } | null }>({
    query: userNameQuery,
    variables: { id: userId ?? '' },
    pause: !userId || knownName !== undefined,
  });
  const asked = data?.user ? [data.user.name, data.user.lastName].filter(Boolean).join(' ') : undefined;
  const text = label(assignment, (id) => knownName ?? asked ?? `#${id}`);
  return (
    <li>
      <span>{text}</span> {children(text)}
    </li>
  );
}
