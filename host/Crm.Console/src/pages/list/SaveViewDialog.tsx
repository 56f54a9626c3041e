import { useId, useState } from 'react';
import { useClient, useQuery } from 'urql';
import { Dialog } from '../../components/Dialog';
import { UserChecklist } from '../../components/UserChecklist';
import { graphql } from '../../gql';
import { useI18n } from '../../i18n';
import { useUsers } from '../../metadata/lookups';
import type { EntityTypeInfo } from '../../metadata/types';
import { registryName } from './listState';
import type { SavedView } from './ViewsBar';

const CreateView = graphql(`
  mutation ConsoleCreateView($input: CreateViewInput!) {
    createView(input: $input) {
      view { id name kind canEdit pageSize filter sharing departmentId withSubdepartments userIds warnings columns { field width } order { field direction } }
      errors { code message path }
    }
  }
`);

const UpdateView = graphql(`
  mutation ConsoleUpdateView($id: ID!, $input: UpdateViewInput!) {
    updateView(id: $id, input: $input) {
      view { id name kind canEdit pageSize filter sharing departmentId withSubdepartments userIds warnings columns { field width } order { field direction } }
      errors { code message path }
    }
  }
`);

const Departments = graphql(`
  query ConsoleDepartments { departments { id name parentId } }
`);

/** What the list holds now, to be saved as a view. */
export interface ViewDraft {
  /** In order, each with its width in pixels (null: the table's choice). */
  columns: { field: string; width: number | null }[];
  order: { field: string; direction: 'ASC' | 'DESC' }[];
  filter: Record<string, unknown> | null;
  pageSize: number;
}

type Sharing = 'PRIVATE' | 'EVERYONE' | 'DEPARTMENT' | 'USERS';
const sharings: Sharing[] = ['PRIVATE', 'EVERYONE', 'DEPARTMENT', 'USERS'];

/** Saves the list as a new view, or over the current one, with whom it is shared. */
export function SaveViewDialog({
  type,
  current,
  draft,
  onClose,
  onSaved,
}: {
  type: EntityTypeInfo;
  /** The view shown, when the user may change it: offered to be saved over. */
  current: SavedView | null;
  draft: ViewDraft;
  onClose: () => void;
  onSaved: (view: SavedView) => void;
}) {
  const { t } = useI18n();
  const client = useClient();
  const users = useUsers();
  const [{ data: departmentData }] = useQuery({ query: Departments, requestPolicy: 'cache-first' });
  const departments = departmentData?.departments ?? [];
  // A new view unless the user chooses to replace the one shown.
  const [overwrite, setOverwrite] = useState(false);
  // A new one is a view or a saved filter; one saved over keeps its kind.
  const [newKind, setNewKind] = useState<'VIEW' | 'FILTER'>('VIEW');
  const kind = overwrite && current ? current.kind : newKind;
  const [name, setName] = useState(current?.name ?? '');
  const [sharing, setSharing] = useState<Sharing>((current?.sharing as Sharing | undefined) ?? 'PRIVATE');
  const [departmentId, setDepartmentId] = useState(current?.departmentId ?? '');
  const [withSubdepartments, setWithSubdepartments] = useState(current?.withSubdepartments ?? false);
  const [userIds, setUserIds] = useState<string[]>(current?.userIds ?? []);
  const [problems, setProblems] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const nameId = useId();

  async function save() {
    setBusy(true);
    // A saved filter holds a name and a filter (the API refuses columns, order and page size on one).
    const layout = kind === 'FILTER' ? {} : { columns: draft.columns, order: draft.order, pageSize: draft.pageSize };
    const input = {
      name: name.trim(),
      ...layout,
      filter: draft.filter,
      sharing,
      departmentId: sharing === 'DEPARTMENT' ? departmentId || null : null,
      withSubdepartments: sharing === 'DEPARTMENT' && withSubdepartments,
      userIds: sharing === 'USERS' ? userIds : [],
    };
    const result =
      overwrite && current
        ? await client.mutation(UpdateView, { id: current.id, input }).toPromise()
        : await client.mutation(CreateView, { input: { ...input, entityType: registryName(type), kind: newKind } }).toPromise();
    setBusy(false);
    const data = result.data as { createView?: Payload; updateView?: Payload } | undefined;
    const payload = data?.createView ?? data?.updateView;
    const errors = [...(result.error ? [result.error.message] : []), ...(payload?.errors ?? []).map((e) => e.message)];
    setProblems(errors);
    if (payload?.view && errors.length === 0) onSaved(payload.view);
  }

  return (
    <Dialog title={t('views.saveTitle')} onClose={onClose}>
      <form
        className="save-view"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        {current && (
          <fieldset>
            <legend>{t('views.saveHow')}</legend>
            <label className="check">
              <input type="radio" name="how" checked={!overwrite} onChange={() => setOverwrite(false)} />
              {t('views.saveNew')}
            </label>
            <label className="check">
              <input type="radio" name="how" checked={overwrite} onChange={() => setOverwrite(true)} />
              {t('views.saveOver', { name: current.name })}
            </label>
          </fieldset>
        )}
        {!(overwrite && current) && (
          <fieldset>
            <legend>{t('views.saveAs')}</legend>
            {(['VIEW', 'FILTER'] as const).map((k) => (
              <label key={k} className="check">
                <input type="radio" name="kind" checked={newKind === k} onChange={() => setNewKind(k)} />
                {t(k === 'VIEW' ? 'views.asView' : 'views.asFilter')}
              </label>
            ))}
          </fieldset>
        )}
        <label htmlFor={nameId}>{t('views.name')}</label>
        <input id={nameId} required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        <fieldset>
          <legend>{t('views.sharedWith')}</legend>
          {sharings.map((s) => (
            <label key={s} className="check">
              <input type="radio" name="sharing" value={s} checked={sharing === s} onChange={() => setSharing(s)} />
              {t(`views.sharing.${s}`)}
            </label>
          ))}
        </fieldset>
        {sharing === 'DEPARTMENT' && (
          <div className="share-department">
            <select aria-label={t('views.department')} required value={departmentId} onChange={(e) => setDepartmentId(e.target.value)}>
              <option value="" />
              {departments.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name}
                </option>
              ))}
            </select>
            <label className="check">
              <input type="checkbox" checked={withSubdepartments} onChange={(e) => setWithSubdepartments(e.target.checked)} />
              {t('views.withSubdepartments')}
            </label>
          </div>
        )}
        {sharing === 'USERS' && <UserChecklist value={userIds} onChange={setUserIds} known={users} legend={t('views.users')} />}
        {problems.length > 0 && (
          <ul className="error" role="alert">
            {problems.map((p, i) => (
              <li key={i}>{p}</li>
            ))}
          </ul>
        )}
        <div className="dialog-actions">
          <button type="submit" className="primary" disabled={busy}>
            {t('views.saveSubmit')}
          </button>
          <button type="button" onClick={onClose}>
            {t('tools.close')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

interface Payload {
  view?: SavedView | null;
  errors: { message: string }[];
}
