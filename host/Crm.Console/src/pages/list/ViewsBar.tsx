import { useEffect, useRef, useState } from 'react';
import { useClient, useQuery } from 'urql';
import { graphql } from '../../gql';
import { useI18n } from '../../i18n';
import type { EntityTypeInfo } from '../../metadata/types';
import { registryName } from './listState';
import { SaveViewDialog, type ViewDraft } from './SaveViewDialog';

// The list's saved views: the caller's and those shared with them, switched, saved, shared, made the default and deleted.

const ViewsQuery = graphql(`
  query ConsoleViews($entityType: String!) {
    views(entityType: $entityType) {
      id name kind canEdit pageSize filter sharing departmentId withSubdepartments userIds warnings
      columns { field width }
      order { field direction }
    }
    defaultView(entityType: $entityType) { id }
  }
`);

const SetDefaultView = graphql(`
  mutation ConsoleSetDefaultView($entityType: String!, $viewId: ID) {
    setDefaultView(entityType: $entityType, viewId: $viewId) { view { id } errors { code message path } }
  }
`);

const DeleteView = graphql(`
  mutation ConsoleDeleteView($id: ID!) {
    deleteView(id: $id) { deletedId errors { code message path } }
  }
`);

export interface SavedView {
  id: string;
  name: string;
  kind: string;
  canEdit: boolean;
  pageSize?: number | null;
  filter?: unknown;
  sharing: string;
  departmentId?: string | null;
  withSubdepartments: boolean;
  userIds: string[];
  warnings: string[];
  columns: { field: string; width?: number | null }[];
  order: { field: string; direction: string }[];
}

export function ViewsBar({
  type,
  current,
  draft,
  onSelect,
}: {
  type: EntityTypeInfo;
  /** The view the list shows; null: none (the list as the user built it). */
  current: SavedView | null;
  /** What "save" saves: the list's columns, filter, order and page size as they are now. */
  draft: () => ViewDraft;
  onSelect: (view: SavedView | null) => void;
}) {
  const { t } = useI18n();
  const client = useClient();
  const entityType = registryName(type);
  const [{ data, error }, refetch] = useQuery({ query: ViewsQuery, variables: { entityType }, requestPolicy: 'cache-and-network' });
  const views = (data?.views ?? []) as SavedView[];
  const defaultId = data?.defaultView?.id ?? null;
  const [saving, setSaving] = useState(false);
  const [problems, setProblems] = useState<string[]>([]);
  // Set once the default view opened, or once the user chose first: the default never replaces a choice.
  const choiceMade = useRef(false);

  // The user's default view opens with the list, once. A choice made between the options appearing and this
  // effect running is seen through the ref (set in the same event as the choice), not through a 'current'
  // read from the render before it.
  useEffect(() => {
    if (choiceMade.current || !data) return;
    choiceMade.current = true;
    const view = views.find((v) => v.id === defaultId);
    if (view) onSelect(view);
  }, [data, views, defaultId, onSelect]);

  const choose = (view: SavedView | null) => {
    choiceMade.current = true;
    onSelect(view);
  };

  const reload = () => refetch({ requestPolicy: 'network-only' });
  // A host without the Views module has no views to offer: the list goes on without the bar (its own errors show there).
  if (error) return null;

  async function setDefault(viewId: string | null) {
    const result = await client.mutation(SetDefaultView, { entityType, viewId }).toPromise();
    setProblems([...(result.error ? [result.error.message] : []), ...(result.data?.setDefaultView.errors ?? []).map((e) => e.message)]);
    reload();
  }

  async function remove(view: SavedView) {
    if (!window.confirm(t('views.confirmDelete', { name: view.name }))) return;
    const result = await client.mutation(DeleteView, { id: view.id }).toPromise();
    const errors = [...(result.error ? [result.error.message] : []), ...(result.data?.deleteView.errors ?? []).map((e) => e.message)];
    setProblems(errors);
    if (errors.length === 0) {
      choose(null);
      reload();
    }
  }

  return (
    <div className="views-bar" role="group" aria-label={t('views.title')}>
      <select
        aria-label={t('views.view')}
        value={current?.id ?? ''}
        onChange={(e) => choose(views.find((v) => v.id === e.target.value) ?? null)}
      >
        <option value="">{t('views.none')}</option>
        {(['VIEW', 'FILTER'] as const).map((kind) => {
          const ofKind = views.filter((v) => (v.kind === 'FILTER') === (kind === 'FILTER'));
          return (
            ofKind.length > 0 && (
              <optgroup key={kind} label={t(kind === 'VIEW' ? 'views.views' : 'views.filters')}>
                {ofKind.map((v) => (
                  <option key={v.id} value={v.id}>
                    {v.id === defaultId ? `★ ${v.name} (${t('views.default')})` : v.name}
                    {v.sharing !== 'PRIVATE' ? ` · ${t(`views.sharing.${v.sharing}` as 'views.sharing.PRIVATE')}` : ''}
                  </option>
                ))}
              </optgroup>
            )
          );
        })}
      </select>
      <button type="button" onClick={() => setSaving(true)}>
        {t('views.save')}
      </button>
      {current && current.id !== defaultId && (
        <button type="button" onClick={() => void setDefault(current.id)}>
          {t('views.makeDefault')}
        </button>
      )}
      {current && current.id === defaultId && (
        <button type="button" onClick={() => void setDefault(null)}>
          {t('views.clearDefault')}
        </button>
      )}
      {current?.canEdit && (
        <button type="button" className="danger" onClick={() => void remove(current)}>
          {t('views.delete')}
        </button>
      )}
      {problems.length > 0 && (
        <span className="error" role="alert">
          {problems.join(' ')}
        </span>
      )}
      {saving && (
        <SaveViewDialog
          type={type}
          current={current?.canEdit ? current : null}
          draft={draft()}
          onClose={() => setSaving(false)}
          onSaved={(view) => {
            setSaving(false);
            reload();
            choose(view);
          }}
        />
      )}
    </div>
  );
}
