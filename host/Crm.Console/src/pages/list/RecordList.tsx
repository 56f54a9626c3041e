import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useClient } from 'urql';
import { Link, useLocation } from 'wouter';
import { useI18n } from '../../i18n';
import { recordPath, useEntityType, useEntityTypes, useReloadEntityTypes } from '../../metadata/entityTypes';
import { FieldValue, type Lookups } from '../../metadata/fields';
import { useSelectionLists, useUsers } from '../../metadata/lookups';
import { listQuery, selectableFields, type Row } from '../../metadata/operations';
import { useShapes, type Shapes } from '../../metadata/shapes';
import { allowed, type EntityFieldInfo, type EntityTypeInfo } from '../../metadata/types';
import { Problem } from '../../components/Problem';
import { ColumnChooser, useColumns } from './ColumnChooser';
import { ColumnResizer, columnStyle } from './ColumnResizer';
import { FilterBuilder, conditionsToWhere, type Condition } from './FilterBuilder';
import { NewRecordDialog } from './NewRecordDialog';
import { BulkActions, RefusalMark, RowRefusalsContext, type Refusal, type RowRefusals, type StageChoice } from './BulkActions';
import type { PipelineGroup } from './StagesByPipeline';
import { ExportDialog } from './ExportDialog';
import { ImportWizard } from './import/ImportWizard';
import { andWhere, warningsOf, type ListState } from './listState';
import { useListPartitions } from './listPartitions';
import type { ViewDraft } from './SaveViewDialog';
import { ViewsBar, type SavedView } from './ViewsBar';

const defaultPageSize = 50;
const pageSizes = [25, 50, 100, 200];

export function RecordListPage({ params }: { params: { type: string } }) {
  const type = useEntityType(params.type);
  const reload = useReloadEntityTypes();
  const { t } = useI18n();
  // The fields may have changed since the console started (a custom field added): ask again on each visit.
  useEffect(() => reload(), [reload, params.type]);
  if (!type) return <p>{t('app.forbidden')}</p>;
  return <RecordListOf key={type.name} type={type} />;
}

/** The list once the schema says how its fields are selected; while a field added since is asked for, the last answer serves. */
function RecordListOf({ type }: { type: EntityTypeInfo }) {
  const { t } = useI18n();
  const { shapes, error, retry } = useShapes(type);
  const last = useRef<Shapes | undefined>(undefined);
  if (shapes) last.current = shapes;
  if (!last.current) return error ? <Problem message={error} onRetry={retry} /> : <p className="loading">{t('app.loading')}</p>;
  return <RecordList type={type} shapes={last.current} />;
}

interface Sort {
  field: string;
  direction: 'ASC' | 'DESC';
}

function RecordList({ type, shapes }: { type: EntityTypeInfo; shapes: Shapes }) {
  const { t } = useI18n();
  const client = useClient();
  const [, navigate] = useLocation();
  const lookups: Lookups = { lists: useSelectionLists(), users: useUsers() };
  const fields = useMemo(() => selectableFields(type, shapes), [type, shapes]);
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
  const [refused, setRefused] = useState<ReadonlyMap<string, Refusal>>(new Map());
  const rowRefusals = useMemo<RowRefusals>(
    () => ({ add: (list) => setRefused((before) => new Map([...before, ...list.map((r): [string, Refusal] => [String(r.id), r])])), clear: () => setRefused(new Map()) }),
    [],
  );
  const [wholeList, setWholeList] = useState(false);
  const [creating, setCreating] = useState(false);
  const [exporting, setExporting] = useState(false);
  const [importing, setImporting] = useState(false);
  const [view, setView] = useState<SavedView | null>(null);
  const [pageSize, setPageSize] = useState(defaultPageSize);
  const [warnings, setWarnings] = useState<string[]>([]);
  // Column widths in pixels the user dragged (or a view gave); a column left out keeps the table's.
  const [widths, setWidths] = useState<Record<string, number>>({});

  const shown = columns.map((name) => fields.find((f) => f.name === name)).filter((f): f is EntityFieldInfo => !!f);
  const types = useEntityTypes();
  // The field the stage lists split by (a deal's pipelineId: DEAL_STAGE_n holds pipeline n's stages), read whether shown or not.
  const stageName = type.stageField;
  const partitionField = stageName ? type.permissionPartitions[type.permissionPartitions.indexOf(stageName) - 1] : undefined;
  const queried = useMemo(() => {
    const extra = partitionField && !shown.some((f) => f.name === partitionField) ? fields.find((f) => f.name === partitionField) : undefined;
    return extra ? [...shown, extra] : shown;
  }, [shown.map((f) => f.name).join(), partitionField, fields]); // eslint-disable-line react-hooks/exhaustive-deps
  const query = useMemo(() => listQuery(type, queried, types, shapes), [type, types, shapes, queried]);
  const where = useMemo(() => conditionsToWhere(type, conditions), [type, conditions]);
  const order = useMemo(() => (sort ? [{ [sort.field]: sort.direction }] : null), [sort]);
  const listState: ListState = { viewId: view?.id ?? null, where, order, columns: shown.map((f) => f.name) };

  /** A saved view chosen: its columns and page size show; its filter and order apply through viewId (the builder adds to them). */
  const selectView = useCallback(
    (next: SavedView | null) => {
      setView(next);
      setConditions([]);
      setSort(null);
      setWholeList(false);
      // A saved filter brings its filter alone: the columns, their widths and the page size stay as they are.
      if (next?.kind === 'FILTER') return;
      setPageSize(next?.pageSize ?? defaultPageSize);
      const known = next?.columns.filter((c) => fields.some((f) => f.name === c.field)) ?? [];
      if (known.length > 0) setColumns(known.map((c) => c.field));
      setWidths(Object.fromEntries(known.filter((c) => c.width != null).map((c) => [c.field, c.width!])));
    },
    [fields, setColumns],
  );

  /** The list as it is now, to be saved: the view's filter AND-ed with the builder's, the order chosen else the view's. */
  const draft = (): ViewDraft => ({
    columns: shown.map((f) => ({ field: f.name, width: widths[f.name] ?? null })),
    order: sort ? [sort] : (view?.order.map((o) => ({ field: o.field, direction: o.direction === 'DESC' ? 'DESC' : 'ASC' })) ?? []),
    filter: andWhere(view?.filter, where),
    pageSize,
  });

  // The newest request's number: an answer to an older one (a view switched while it ran) is dropped.
  const latest = useRef(0);
  const load = useCallback(
    async (after: string | null) => {
      const request = ++latest.current;
      setLoading(true);
      setError(null);
      const result = await client
        .query(query, { where, order, first: pageSize, after, search: appliedSearch || null, viewId: view?.id ?? null }, { requestPolicy: 'network-only' })
        .toPromise();
      if (request !== latest.current) return;
      setLoading(false);
      if (result.error) {
        setError(result.error.message);
        return;
      }
      const list = (result.data as { list: { nodes: Row[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } }).list;
      if (!after) {
        setWarnings(warningsOf(result.extensions));
        // After a bulk action the selection keeps the rows still listed (a deleted record leaves it).
        setSelected((previous) => new Set(list.nodes.filter((n) => previous.has(n.id)).map((n) => n.id)));
      }
      setRows((previous) => (after ? [...previous, ...list.nodes] : list.nodes));
      setCursor(list.pageInfo.endCursor);
      setHasMore(list.pageInfo.hasNextPage);
    },
    [client, query, where, order, appliedSearch, pageSize, view],
  );

  // Another filter, view, order or search: another list, so nothing of it is chosen any more.
  useEffect(() => {
    setSelected(new Set());
    setWholeList(false);
    void load(null);
  }, [load]);
  const reloadList = useCallback(() => void load(null), [load]);

  const toggleSort = (field: EntityFieldInfo) => {
    if (!field.sortable) return;
    setSort(sort?.field === field.name ? { field: field.name, direction: sort.direction === 'ASC' ? 'DESC' : 'ASC' } : { field: field.name, direction: 'ASC' });
  };

  const stageField = type.stageField ? type.fields.find((f) => f.name === type.stageField && !f.readOnly) : undefined;

  const titleOf = (row: Row) => String(row[type.titleField] ?? `#${row.id}`);
  // The whole filtered list's partitions (a deal's pipelines), from the type's summary: a stage is chosen per partition.
  const partitions = useListPartitions(type, partitionField, wholeList && !!stageField?.selectionList, where, view?.id ?? null);

  /**
   * The stages the selected records can take: the list of their one partition (a deal's pipeline),
   * or, when they are in several, null: one stage cannot fit records of two pipelines. The whole
   * filtered list's partitions are those its summary counts. The partition goes with the stage: a bulk action checks its values on a blank
   * record first, which is in the default pipeline unless told otherwise.
   */
  const selectedStages = useMemo((): StageChoice | null => {
    const family = stageField?.selectionList;
    if (!family) return { items: [], alongside: {} };
    if (!partitionField) return { items: lookups.lists.get(family) ?? [], alongside: {} };
    const spanned = wholeList
      ? new Set(partitions?.map((p) => p.partition))
      : new Set(rows.filter((r) => selected.has(String(r.id))).map((r) => String(r[partitionField] ?? '')));
    if (spanned.size !== 1) return null;
    const [partition] = spanned;
    const items = lookups.lists.get(`${family}_${partition}`) ?? lookups.lists.get(family) ?? [];
    return { items, alongside: partition ? { [partitionField]: partition } : {} };
  }, [stageField, partitionField, rows, selected, lookups.lists, wholeList, partitions]);

  /**
   * Selected records of several pipelines, grouped by pipeline with its stages: a stage is then chosen
   * per pipeline. For the whole filtered list, each pipeline's part is the list's filter and view with
   * the pipeline added.
   */
  const byPipeline = useMemo((): PipelineGroup[] | null => {
    const family = stageField?.selectionList;
    if (!family || !partitionField || selectedStages) return null;
    const stagesOf = (partition: string) => lookups.lists.get(`${family}_${partition}`) ?? lookups.lists.get(family) ?? [];
    if (wholeList) {
      return partitions && partitions.length > 1
        ? partitions.map(({ partition, count }) => ({
            partition,
            ids: [],
            count,
            part: { where: andWhere(where, { [partitionField]: { eq: partition } }), viewId: view?.id ?? null },
            items: stagesOf(partition),
            alongside: { [partitionField]: partition },
          }))
        : null;
    }
    const groups = new Map<string, string[]>();
    for (const r of rows.filter((r) => selected.has(String(r.id)))) {
      const partition = String(r[partitionField] ?? '');
      groups.set(partition, [...(groups.get(partition) ?? []), String(r.id)]);
    }
    return [...groups].map(([partition, ids]) => ({
      partition,
      ids,
      count: ids.length,
      part: null,
      items: stagesOf(partition),
      alongside: partition ? { [partitionField]: partition } : {},
    }));
  }, [stageField, partitionField, rows, selected, lookups.lists, wholeList, selectedStages, partitions, where, view?.id]);

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
        <select aria-label={t('list.pageSize')} value={pageSize} onChange={(e) => setPageSize(Number(e.target.value))}>
          {[...new Set([...pageSizes, pageSize])].sort((a, b) => a - b).map((n) => (
            <option key={n} value={n}>
              {t('list.perPage', { count: n })}
            </option>
          ))}
        </select>
        {allowed(type, 'EXPORT') && (
          <button type="button" onClick={() => setExporting(true)}>
            {t('export.button')}
          </button>
        )}
        {allowed(type, 'IMPORT') && type.createMutation && (
          <button type="button" onClick={() => setImporting(true)}>
            {t('import.button')}
          </button>
        )}
      </div>
      <ViewsBar type={type} current={view} draft={draft} onSelect={selectView} />
      {warnings.length > 0 && (
        <ul className="view-warnings" aria-label={t('views.warnings')}>
          {warnings.map((w, i) => (
            <li key={i}>{w}</li>
          ))}
        </ul>
      )}
      {showFilters && <FilterBuilder type={type} lookups={lookups} initial={conditions} onApply={setConditions} />}
      {(selected.size > 0 || wholeList) && (
        <RowRefusalsContext.Provider value={rowRefusals}>
          <BulkActions
            type={type}
            shapes={shapes}
            lookups={lookups}
            selected={selected}
            wholeList={wholeList}
            onWholeList={setWholeList}
            canWholeList={!appliedSearch}
            state={listState}
            stages={stageField?.selectionList ? selectedStages : undefined}
            byPipeline={byPipeline}
            onDone={reloadList}
          />
        </RowRefusalsContext.Provider>
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
                  className="resizable"
                  style={columnStyle(widths[f.name])}
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
                  <ColumnResizer
                    label={f.label}
                    width={widths[f.name]}
                    onResize={(width) =>
                      setWidths((previous) => {
                        const { [f.name]: _, ...others } = previous;
                        return width ? { ...others, [f.name]: width } : others;
                      })
                    }
                  />
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.id} className={[selected.has(row.id) && 'selected', refused.has(row.id) && 'refused'].filter(Boolean).join(' ') || undefined}>
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
                  {refused.get(row.id) && <RefusalMark refusal={refused.get(row.id)!} />}
                </td>
                {shown.map((f) => (
                  <td key={f.name} data-label={f.label} style={columnStyle(widths[f.name])}>
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
      {exporting && <ExportDialog type={type} state={listState} onClose={() => setExporting(false)} />}
      {importing && <ImportWizard type={type} shapes={shapes} lookups={lookups} onClose={() => setImporting(false)} onImported={reloadList} />}
      {creating && (
        <NewRecordDialog
          type={type}
          shapes={shapes}
          lookups={lookups}
          onClose={() => setCreating(false)}
          onCreated={(id) => navigate(recordPath(type.name, id))}
        />
      )}
    </section>
  );
}

