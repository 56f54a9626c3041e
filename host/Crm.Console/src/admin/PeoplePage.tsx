import { useId, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { useI18n } from '../i18n';
import { AdminPage, UserErrors, type UserError } from './common';
import { refusalsOf, type Answer } from './mutations';

interface User {
  id: string;
  email: string;
  name: string;
  lastName: string | null;
  active: boolean;
  kind: string;
  language: string;
  departments: { id: string; name: string }[];
}

interface Department {
  id: string;
  name: string;
  parentId: string | null;
  memberIds: string[];
}

const peopleQuery = `query AdminPeople { users(first: 200) { id email name lastName active kind language departments { id name } } departments { id name parentId memberIds } }`;
const createUser = `mutation AdminCreateUser($input: CreateUserInput!) { createUser(input: $input) { user { id } errors { code message path } } }`;
const updateUser = `mutation AdminUpdateUser($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { user { id } errors { code message path } } }`;
const createDepartment = `mutation AdminCreateDepartment($input: CreateDepartmentInput!) { createDepartment(input: $input) { department { id } errors { code message path } } }`;
const deleteDepartment = `mutation AdminDeleteDepartment($id: ID!) { deleteDepartment(id: $id) { deletedId errors { code message path } } }`;

/** Users and the department tree: who works where, who may sign in. */
export function PeoplePage() {
  const { t } = useI18n();
  const [{ data }, refetch] = useQuery<{ users: User[]; departments: Department[] }>({ query: peopleQuery, requestPolicy: 'cache-and-network' });
  const [status, setStatus] = useState<string | null>(null);
  const [problems, setProblems] = useState<UserError[]>([]);
  const [, update] = useMutation(updateUser);
  const [, removeDepartment] = useMutation(deleteDepartment);
  const departments = data?.departments ?? [];

  async function done(answer: Answer, field: string) {
    const found = refusalsOf(answer, field);
    setProblems(found);
    if (found.length === 0) {
      setStatus(t('admin.saved'));
      refetch({ requestPolicy: 'network-only' });
    }
    return found.length === 0;
  }

  /** After the admin confirms; one that people are in or departments are below is kept, with the API's reason. */
  async function drop(department: Department) {
    if (!window.confirm(t('admin.people.deleteDepartmentConfirm', { name: department.name }))) return;
    if (await done((await removeDepartment({ id: department.id })) as Answer, 'deleteDepartment')) {
      setStatus(t('admin.people.departmentDeleted', { name: department.name }));
    }
  }

  return (
    <AdminPage title={t('admin.people')} status={status}>
      <UserErrors errors={problems} />
      <div className="admin-columns">
        <div className="admin-panel table-wrap">
          <table className="admin-table" aria-label={t('admin.people.users')}>
            <thead>
              <tr>
                <th>{t('admin.people.name')}</th>
                <th>{t('admin.people.email')}</th>
                <th>{t('admin.people.departments')}</th>
                <th>{t('admin.people.active')}</th>
              </tr>
            </thead>
            <tbody>
              {(data?.users ?? []).map((u) => (
                <tr key={u.id}>
                  <td>
                    {[u.name, u.lastName].filter(Boolean).join(' ')} {u.kind !== 'PERSON' && <span className="badge">{u.kind}</span>}
                  </td>
                  <td>{u.email}</td>
                  <td>{u.departments.map((d) => d.name).join(', ')}</td>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={t('admin.people.activeOf', { name: u.name })}
                      checked={u.active}
                      onChange={async (e) => done((await update({ id: u.id, input: { active: e.target.checked } })) as Answer, 'updateUser')}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div className="form-grid">
          <NewUser departments={departments} onDone={done} />
          <section className="admin-panel" aria-labelledby="departments-heading">
            <h2 id="departments-heading">{t('admin.people.tree')}</h2>
            <DepartmentTree departments={departments} parentId={null} onDelete={drop} />
            <NewDepartment departments={departments} onDone={done} />
          </section>
        </div>
      </div>
    </AdminPage>
  );
}

/** The departments under one parent, each with those under it: a tree screen readers announce as one. */
function DepartmentTree({ departments, parentId, onDelete, level = 1 }: { departments: Department[]; parentId: string | null; onDelete: (d: Department) => void; level?: number }) {
  const { t } = useI18n();
  const children = departments.filter((d) => d.parentId === parentId);
  if (children.length === 0) return null;
  return (
    <ul role={level === 1 ? 'tree' : 'group'} aria-label={level === 1 ? t('admin.people.tree') : undefined} className="department-tree">
      {children.map((d) => (
        <li key={d.id} role="treeitem" aria-level={level} aria-expanded={departments.some((c) => c.parentId === d.id) || undefined} aria-selected={false}>
          <span>{d.name}</span> <span className="muted">({d.memberIds.length})</span>{' '}
          <button type="button" className="link" aria-label={t('admin.people.deleteDepartment', { name: d.name })} title={t('admin.people.deleteDepartment', { name: d.name })} onClick={() => onDelete(d)}>
            ×
          </button>
          <DepartmentTree departments={departments} parentId={d.id} onDelete={onDelete} level={level + 1} />
        </li>
      ))}
    </ul>
  );
}

function NewDepartment({ departments, onDone }: { departments: Department[]; onDone: (a: Answer, f: string) => Promise<boolean> }) {
  const { t } = useI18n();
  const id = useId();
  const [name, setName] = useState('');
  const [parentId, setParentId] = useState('');
  const [, create] = useMutation(createDepartment);
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (await onDone((await create({ input: { name: name.trim(), parentId: parentId || null } })) as Answer, 'createDepartment')) setName('');
  }
  return (
    <form className="form-grid" onSubmit={submit} aria-label={t('admin.people.newDepartment')}>
      <div className="form-field">
        <label htmlFor={`${id}-name`}>{t('admin.people.departmentName')}</label>
        <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} required />
      </div>
      <div className="form-field">
        <label htmlFor={`${id}-parent`}>{t('admin.people.parent')}</label>
        <select id={`${id}-parent`} value={parentId} onChange={(e) => setParentId(e.target.value)}>
          <option value="">—</option>
          {departments.map((d) => (
            <option key={d.id} value={d.id}>
              {d.name}
            </option>
          ))}
        </select>
      </div>
      <button type="submit">{t('admin.people.newDepartment')}</button>
    </form>
  );
}

function NewUser({ departments, onDone }: { departments: Department[]; onDone: (a: Answer, f: string) => Promise<boolean> }) {
  const { t } = useI18n();
  const id = useId();
  const [form, setForm] = useState({ email: '', name: '', lastName: '', password: '', language: 'pl', departmentId: '' });
  const [, create] = useMutation(createUser);
  async function submit(e: FormEvent) {
    e.preventDefault();
    const input = {
      email: form.email.trim(),
      name: form.name.trim(),
      lastName: form.lastName.trim() || undefined,
      password: form.password || undefined,
      language: form.language,
      departmentIds: form.departmentId ? [form.departmentId] : undefined,
    };
    if (await onDone((await create({ input })) as Answer, 'createUser')) setForm({ ...form, email: '', name: '', lastName: '', password: '' });
  }
  const field = (key: 'email' | 'name' | 'lastName' | 'password', label: 'admin.people.email' | 'admin.people.firstName' | 'admin.people.lastName' | 'admin.people.password', type = 'text') => (
    <div className="form-field">
      <label htmlFor={`${id}-${key}`}>{t(label)}</label>
      <input id={`${id}-${key}`} type={type} value={form[key]} autoComplete="off" onChange={(e) => setForm({ ...form, [key]: e.target.value })} required={key === 'email' || key === 'name'} />
    </div>
  );
  return (
    <form className="admin-panel form-grid" onSubmit={submit} aria-label={t('admin.people.newUser')}>
      <h2>{t('admin.people.newUser')}</h2>
      {field('email', 'admin.people.email', 'email')}
      {field('name', 'admin.people.firstName')}
      {field('lastName', 'admin.people.lastName')}
      {field('password', 'admin.people.password', 'password')}
      <div className="form-field">
        <label htmlFor={`${id}-language`}>{t('admin.people.language')}</label>
        <select id={`${id}-language`} value={form.language} onChange={(e) => setForm({ ...form, language: e.target.value })}>
          <option value="pl">Polski</option>
          <option value="en">English</option>
        </select>
      </div>
      <div className="form-field">
        <label htmlFor={`${id}-department`}>{t('admin.people.department')}</label>
        <select id={`${id}-department`} value={form.departmentId} onChange={(e) => setForm({ ...form, departmentId: e.target.value })}>
          <option value="">—</option>
          {departments.map((d) => (
            <option key={d.id} value={d.id}>
              {d.name}
            </option>
          ))}
        </select>
      </div>
      <div className="dialog-actions">
        <button type="submit" className="primary">
          {t('admin.people.create')}
        </button>
      </div>
    </form>
  );
}
