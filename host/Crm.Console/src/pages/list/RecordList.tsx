import { useCallback, useEffect, useMemo, useState } from 'react';
import { useClient } from 'urql';
import { Link, useLocation } from 'wouter';
import { useI18n } from '../../i18n';
import { recordPath, useEntityType, useEntityTypes, useReloadEntityTypes } from '../../metadata/entityTypes';
import { FieldValue, type Lookups } from '../../metadata/fields';
import { useSelectionLists, useUsers } from '../../metadata/lookups';
import { deleteMutation, listQuery, selectableFields, titlesOf, updateMutation, type Row, type UserError } from '../../metadata/operations';
import { allowed, type EntityFieldInfo, type EntityTypeInfo } from '../../metadata/types';
import { Problem } from '../../components/Problem';
import { ColumnChooser, useColumns } from './ColumnChooser';
import { FilterBuilder, conditionsToWhere, type Condition } from './FilterBuilder';
import { NewRecordDialog } from './NewRecordDialog';

const pageSize = 50;

export function RecordListPage({ params }: { params: { type: string } }) {
  const type = useEntityType(params.type);
  const reload = useReloadEntityTypes();
  const { t } = useI18n();
  // The fields may have changed since the console started (a custom field added): ask again on each visit.
  useEffect(() => reload(), [reload, params.type]);
  if (!type) return <p>{t('app.forbidden')}</p>;
  return <RecordList key={type.name} type={type} />;
}

interface Sort {
  field: string;
  direction: 'ASC' | 'DESC';
}

function RecordList({ type }: { type: EntityTypeInfo }) {
  const { t } = useI18n();
  const client = useClient();
  const [, navigate] = useLocation();
  const lookups: Lookups = { lists: useSelectionLists(), users: useUsers() };
  const fields = useMemo(() => selectableFields(type), [type]);
  const [columns, setColumns] = useColumns(type, fields);
  const [conditions, setConditions] = useState<Condition[]>([]);
  const [showFilters, setShowFilters] = useState(false);
  const [search, setSearch] = useState('');
  const [appliedSearch, setAppliedSearch] = useState('');
  const [sort, setSort] = useState<Sort | null>(null);
  const [rows, setRows] = useState<Row[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [creating, setCreating] = useState(false);
  const [actionErrors, setActionErrors] = useState<string[]>([]);

  const shown = columns.map((name) => fields.find((f) => f.name === name)).filter((f): f is EntityFieldInfo => !!f);
  const types = useEntityTypes();
  const titles = useMemo(() => titlesOf(types), [types]);
  // The field the stage lists split by (a deal's pipelineId: DEAL_STAGE_n holds pipeline n's stages), read whether shown or not.
  const stageName = type.stageField;
  const partitionField = stageName ? type.permissionPartitions[type.permissionPartitions.indexOf(stageName) - 1] : undefined;
  const queried = useMemo(() => {
    const extra = partitionField && !shown.some((f) => f.name === partitionField) ? fields.find((f) => f.name === partitionField) : undefined;
    return extra ? [...shown, extra] : shown;
  }, [shown.map((f) => f.name).join(), partitionField, fields]); // eslint-disable-line react-hooks/exhaustive-deps
  const query = useMemo(() => listQuery(type, queried, titles), [type, titles, queried]);
  const where = useMemo(() => conditionsToWhere(type, conditions), [type, conditions]);

  const load = useCallback(
    async (after: string | null) => {
      setLoading(true);
      setError(null);
      const result = await client
        .query(query, { where, order: sort ? [{ [sort.field]: sort.direction }] : null, first: pageSize, after, search: appliedSearch || null }, { requestPolicy: 'network-only' })
        .toPromise();
      setLoading(false);
      if (result.error) {
        setError(result.error.message);
        return;
      }
      const list = (result.data as { list: { nodes: Row[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } }).list;
      setRows((previous) => (after ? [...previous, ...list.nodes] : list.nodes));
      setCursor(list.pageInfo.endCursor);
      setHasMore(list.pageInfo.hasNextPage);
    },
    [client, query, where, sort, appliedSearch],
  );

  useEffect(() => {
    setSelected(new Set());
    void load(null);
  }, [load]);

  const toggleSort = (field: EntityFieldInfo) => {
    if (!field.sortable) return;
    setSort(sort?.field === field.name ? { field: field.name, direction: sort.direction === 'ASC' ? 'DESC' : 'ASC' } : { field: field.name, direction: 'ASC' });
  };

  const canUpdate = allowed(type, 'UPDATE') && !!type.updateMutation;
  const canDelete = allowed(type, 'DELETE') && !!type.deleteMutation;
  const assignField = type.fields.find((f) => f.type === 'USER' && !f.readOnly && /assigned|responsible/i.test(f.name));
  const stageField = type.stageField ? type.fields.find((f) => f.name === type.stageField && !f.readOnly) : undefined;

  async function applyToSelected(mutation: string, variables: (id: string) => Record<string, unknown>) {
    const problems: string[] = [];
    for (const id of selected) {
      const result = await client.mutation(mutation, variables(id)).toPromise();
      const errors = (result.data as { result?: { errors: UserError[] } } | undefined)?.result?.errors ?? [];
      if (result.error) problems.push(`#${id}: ${result.error.message}`);
      problems.push(...errors.map((e) => `#${id}: ${e.message}`));
    }
    setActionErrors(problems);
    await load(null);
    setSelected(new Set());
  }

  const titleOf = (row: Row) => String(row[type.titleField] ?? `#${row.id}`);

  /**
   * The stages the selected records can take: the list of their one partition (a deal's pipeline),
   * or, when they are in several, null (one stage cannot fit records of two pipelines).
   */
  const selectedStages = useMemo(() => {
    const family = stageField?.selectionList;
    if (!family) return [];
    if (!partitionField) return lookups.lists.get(family) ?? [];
    const partitions = new Set(rows.filter((r) => selected.has(String(r.id))).map((r) => String(r[partitionField] ?? '')));
    if (partitions.size !== 1) return null;
    const [partition] = partitions;
    return lookups.lists.get(`${family}_${partition}`) ?? lookups.lists.get(family) ?? [];
  }, [stageField, partitionField, rows, selected, lookups.lists]);

  return (
    <section className="page record-list">
      <div className="page-head">
        <h1>{type.pluralLabel}</h1>
        {allowed(type, 'ADD') && type.createMutation && (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            {t('list.new')}
          </button>
        )}
      </div>
      <div className="toolbar">
        {type.searchable && (
        <form
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            setAppliedSearch(search.trim());
          }}
        >
          <input type="search" aria-label={t('list.search')} placeholder={t('list.searchPlaceholder')} value={search} maxLength={1000} onChange={(e) => setSearch(e.target.value)} />
          <button type="submit">{t('list.search')}</button>
        </form>
        )}
        <button type="button" aria-expanded={showFilters} onClick={() => setShowFilters(!showFilters)}>
          {t('list.filters')}
          {conditions.length > 0 && ` (${conditions.length})`}
        </button>
        <ColumnChooser fields={fields} columns={columns} onChange={setColumns} />
      </div>
      {showFilters && <FilterBuilder type={type} lookups={lookups} initial={conditions} onApply={setConditions} />}
      {selected.size > 0 && (
        <div className="bulk-actions" role="region" aria-label={t('list.selected', { count: selected.size })}>
          <span>{t('list.selected', { count: selected.size })}</span>
          {canUpdate && assignField && (
            <select
              aria-label={t('list.assign')}
              value=""
              onChange={(e) => {
                const mutation = updateMutation(type)!;
                void applyToSelected(mutation, (id) => ({ id, input: { [assignField.name]: e.target.value } }));
              }}
            >
              <option value="">{t('list.assign')}</option>
              {lookups.users.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.name}
                </option>
              ))}
            </select>
          )}
          {canUpdate && stageField?.selectionList && selectedStages !== null && (
            <select
              aria-label={t('list.changeStage')}
              value=""
              onChange={(e) => {
                const mutation = updateMutation(type)!;
                void applyToSelected(mutation, (id) => ({ id, input: { [stageField.name]: e.target.value } }));
              }}
            >
              <option value="">{t('list.changeStage')}</option>
              {selectedStages.map((i) => (
                <option key={i.id} value={i.id}>
                  {i.name}
                </option>
              ))}
            </select>
          )}
          {canUpdate && stageField?.selectionList && selectedStages === null && (
            <span className="muted" role="note">
              {t('list.stagesMixed')}
            </span>
          )}
          {canDelete && (
            <button
              type="button"
              className="danger"
              onClick={() => {
                if (window.confirm(t('list.confirmDelete', { count: selected.size }))) void applyToSelected(deleteMutation(type)!, (id) => ({ id }));
              }}
            >
              {t('list.delete')}
            </button>
          )}
        </div>
      )}
      {actionErrors.length > 0 && (
        <ul className="error" role="alert">
          {actionErrors.map((e, i) => (
            <li key={i}>{e}</li>
          ))}
        </ul>
      )}
      {error && <Problem message={error} onRetry={() => void load(null)} />}
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">{type.pluralLabel}</caption>
          <thead>
            <tr>
              <th scope="col" className="select">
                <input
                  type="checkbox"
                  aria-label={t('list.selectAll')}
                  checked={rows.length > 0 && selected.size === rows.length}
                  onChange={(e) => setSelected(e.target.checked ? new Set(rows.map((r) => r.id)) : new Set())}
                />
              </th>
              {shown.map((f) => (
                <th
                  key={f.name}
                  scope="col"
                  aria-sort={sort?.field === f.name ? (sort.direction === 'ASC' ? 'ascending' : 'descending') : undefined}
                >
                  {f.sortable ? (
                    <button type="button" className="sort" onClick={() => toggleSort(f)}>
                      {f.label}
                      {sort?.field === f.name && <span aria-hidden="true">{sort.direction === 'ASC' ? ' ▲' : ' ▼'}</span>}
                    </button>
                  ) : (
                    f.label
                  )}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.id} className={selected.has(row.id) ? 'selected' : undefined}>
                <td className="select">
                  <input
                    type="checkbox"
                    aria-label={t('list.selectRow', { title: titleOf(row) })}
                    checked={selected.has(row.id)}
                    onChange={(e) => {
                      const next = new Set(selected);
                      if (e.target.checked) next.add(row.id);
                      else next.delete(row.id);
                      setSelected(next);
                    }}
                  />
                </td>
                {shown.map((f) => (
                  <td key={f.name} data-label={f.label}>
                    {f.name === type.titleField ? (
                      <Link href={recordPath(type.name, row.id)}>{titleOf(row)}</Link>
                    ) : (
                      <FieldValue field={f} value={row[f.name]} lookups={lookups} object={f.objectField ? row[f.objectField] : undefined} />
                    )}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {!loading && rows.length === 0 && !error && <p className="empty">{t('list.empty')}</p>}
      <p className="list-footer" aria-live="polite">
        {loading ? t('app.loading') : t('list.count', { count: rows.length })}
        {hasMore && !loading && (
          <button type="button" onClick={() => void load(cursor)}>
            {t('list.loadMore')}
          </button>
        )}
      </p>
      {creating && (
        <NewRecordDialog
          type={type}
          lookups={lookups}
          onClose={() => setCreating(false)}
          onCreated={(id) => navigate(recordPath(type.name, id))}
        />
      )}
    </section>
  );
}

