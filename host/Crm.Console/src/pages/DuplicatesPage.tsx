import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useClient } from 'urql';
import { Link, useLocation } from 'wouter';
import { Problem } from '../components/Problem';
import { useI18n } from '../i18n';
import { recordPath, useEntityTypes } from '../metadata/entityTypes';
import { choiceIds, FieldValue, isChoice, type Lookups } from '../metadata/fields';
import { useSelectionLists, useUsers } from '../metadata/lookups';
import { payloadErrors, type Row, type UserError } from '../metadata/operations';
import { isScalarIn, isSelectable, moneyParts, partsOf, useShapes, type Shapes } from '../metadata/shapes';
import type { EntityFieldInfo, EntityTypeInfo } from '../metadata/types';

// Likely duplicates of any record type (findDuplicates), merged after a preview (mergeRecords dryRun).

const rules = ['EMAIL', 'PHONE', 'NAME_IN_COMPANY'] as const;
const groupsPerPage = 20;

/** Types merged through the API: activities' rights follow their bindings, so they are not merged. */
function mergeable(type: EntityTypeInfo): boolean {
  return type.name !== 'ACTIVITY' && !!type.updateMutation && !!type.deleteMutation;
}

/**
 * The fields a merge may take from one record or another: the title and what the update input takes:
 * scalars (the schema's shapes), enumerations' items and money values, one or several each.
 */
function mergeFields(type: EntityTypeInfo, shapes: Shapes): EntityFieldInfo[] {
  const fields = type.fields.filter(
    (f) => !f.readOnly && f.name !== 'id' && ((!f.list && isScalarIn(shapes, f)) || (isChoice(f) && isSelectable(shapes, f)) || !!moneyParts(shapes, f)),
  );
  const title = type.fields.find((f) => f.name === type.titleField);
  return title && !fields.includes(title) ? [title, ...fields] : fields;
}

/**
 * Each field by its name, an object value with its parts (an item's id and value, a money's amount and
 * currency); only the scalars for the list of groups, whose cost would otherwise grow with every
 * multiple field times every record of 20 groups (Limits:MaxCost): each group asks for its records whole.
 */
function fieldSelection(type: EntityTypeInfo, shapes: Shapes, scalarsOnly = false): string {
  const fields = mergeFields(type, shapes).filter((f) => !scalarsOnly || isScalarIn(shapes, f));
  const selected = fields.map((f) => {
    const parts = partsOf(shapes, f);
    return parts ? `${f.name} { ${parts.map((p) => p.name).join(' ')} }` : f.name;
  });
  return `id ${selected.join(' ')}`;
}

function recordSelection(type: EntityTypeInfo, shapes: Shapes, scalarsOnly = false): string {
  return `... on ${type.graphQLType} { ${fieldSelection(type, shapes, scalarsOnly)} }`;
}

/** A value as the update input takes it: an item by its id (several for a multiple field), a money value as { amount currency }. */
function inputValue(field: EntityFieldInfo, shapes: Shapes, value: unknown): unknown {
  if (value == null) return null;
  if (isChoice(field)) return field.list ? choiceIds(value) : (choiceIds(value)[0] ?? null);
  const parts = moneyParts(shapes, field);
  if (!parts) return value;
  const one = (v: unknown) => Object.fromEntries(parts.map((p) => [p.name, (v as Record<string, unknown>)[p.name] ?? null]));
  return Array.isArray(value) ? value.map(one) : one(value);
}

interface Group {
  key: string;
  count: number;
  ids: string[];
  records: Row[];
}

export function DuplicatesPage({ params }: { params: { type?: string } }) {
  const { t } = useI18n();
  const [, navigate] = useLocation();
  const types = useEntityTypes().filter(mergeable);
  const type = types.find((x) => x.name === params.type?.toUpperCase()) ?? types[0];
  if (!type) return <p>{t('app.forbidden')}</p>;
  return (
    <section className="page duplicates-page">
      <h1>{t('dup.title')}</h1>
      <label className="inline">
        {t('dup.type')}{' '}
        <select value={type.name} onChange={(e) => navigate(`/duplicates/${e.target.value.toLowerCase()}`)}>
          {types.map((x) => (
            <option key={x.name} value={x.name}>
              {x.pluralLabel}
            </option>
          ))}
        </select>
      </label>
      <DuplicateGroupsOf key={type.name} type={type} />
    </section>
  );
}

/** The groups once the schema says which fields are scalars. */
function DuplicateGroupsOf({ type }: { type: EntityTypeInfo }) {
  const { t } = useI18n();
  const { shapes, error, retry } = useShapes(type);
  if (!shapes) return error ? <Problem message={error} onRetry={retry} /> : <p className="loading">{t('app.loading')}</p>;
  return <DuplicateGroups type={type} shapes={shapes} />;
}

function DuplicateGroups({ type, shapes }: { type: EntityTypeInfo; shapes: Shapes }) {
  const { t } = useI18n();
  const client = useClient();
  const [rule, setRule] = useState<(typeof rules)[number]>('EMAIL');
  const [groups, setGroups] = useState<Group[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const lookups: Lookups = { lists: useSelectionLists(), users: useUsers() };
  const query = useMemo(
    () => `query ConsoleDuplicates($entityType: CrmEntityType!, $rule: DuplicateRule!, $first: Int, $after: String) {
  findDuplicates(entityType: $entityType, rule: $rule, first: $first, after: $after) {
    groups { key count ids records { ${recordSelection(type, shapes, true)} } }
    hasNextPage endCursor
  }
}`,
    [type, shapes],
  );

  // The newest request's number: an answer for a rule no longer chosen is dropped.
  const latest = useRef(0);
  const load = useCallback(
    async (after: string | null) => {
      const request = ++latest.current;
      setLoading(true);
      setError(null);
      const result = await client.query(query, { entityType: type.name, rule, first: groupsPerPage, after }, { requestPolicy: 'network-only' }).toPromise();
      if (request !== latest.current) return;
      setLoading(false);
      if (result.error) {
        setError(result.error.message);
        setGroups([]);
        return;
      }
      const page = (result.data as { findDuplicates: { groups: Group[]; hasNextPage: boolean; endCursor: string | null } }).findDuplicates;
      setGroups((previous) => (after ? [...previous, ...page.groups] : page.groups));
      setCursor(page.endCursor);
      setHasMore(page.hasNextPage);
    },
    [client, query, type.name, rule],
  );

  useEffect(() => void load(null), [load]);

  return (
    <>
      <label className="inline">
        {t('dup.rule')}{' '}
        <select value={rule} onChange={(e) => setRule(e.target.value as (typeof rules)[number])}>
          {rules.map((r) => (
            <option key={r} value={r}>
              {t(`dup.rule.${r}`)}
            </option>
          ))}
        </select>
      </label>
      {error && <Problem message={error} onRetry={() => void load(null)} />}
      {!loading && !error && groups.length === 0 && <p className="empty">{t('dup.none')}</p>}
      {groups.map((g) => (
        <MergeGroup key={`${g.key}:${g.ids.join()}`} type={type} shapes={shapes} group={g} lookups={lookups} onMerged={() => void load(null)} />
      ))}
      <p className="list-footer" aria-live="polite">
        {loading ? t('app.loading') : t('dup.count', { count: groups.length })}
        {hasMore && !loading && (
          <button type="button" onClick={() => void load(cursor)}>
            {t('list.loadMore')}
          </button>
        )}
      </p>
    </>
  );
}

/**
 * The group's records with every field a merge may take (money and items too, one or several): its
 * own query of the type's list by id, at most the group's records; the scalars of the groups' list until then.
 */
function useWholeRecords(type: EntityTypeInfo, shapes: Shapes, group: Group): Row[] {
  const client = useClient();
  const [whole, setWhole] = useState<Row[] | null>(null);
  useEffect(() => {
    let live = true;
    const query = `query ConsoleMergeRecords($where: ${type.graphQLType}FilterInput, $first: Int) {
  list: ${type.listField}(where: $where, first: $first) { nodes { ${fieldSelection(type, shapes)} } }
}`;
    void client
      .query<{ list: { nodes: Row[] } }>(query, { where: { id: { in: group.ids } }, first: group.ids.length }, { requestPolicy: 'network-only' })
      .toPromise()
      .then((result) => {
        const nodes = result.data?.list.nodes;
        // In the group's order; a record the list no longer gives keeps what the groups' list said of it.
        if (live && nodes) setWhole(group.records.map((r) => nodes.find((n) => n.id === r.id) ?? r));
      });
    return () => {
      live = false;
    };
  }, [client, type, shapes, group]);
  return whole ?? group.records;
}

interface Preview {
  record: Row | null;
  removedIds: string[];
  movedReferences: number;
  dryRun: boolean;
  errors: UserError[];
}

/** One group: the record to keep, each differing field's value taken from the record chosen, the dry run, then the merge. */
function MergeGroup({ type, shapes, group, lookups, onMerged }: { type: EntityTypeInfo; shapes: Shapes; group: Group; lookups: Lookups; onMerged: () => void }) {
  const { t } = useI18n();
  const client = useClient();
  const records = useWholeRecords(type, shapes, group);
  const [keepId, setKeepId] = useState(group.records[0]?.id ?? '');
  /** Per field, the record whose value the kept one takes (absent: its own). */
  const [from, setFrom] = useState<Record<string, string>>({});
  const [preview, setPreview] = useState<Preview | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const fields = mergeFields(type, shapes);
  const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  // Only what the update input takes can be taken from another record (a computed title cannot).
  const differing = fields.filter((f) => !f.readOnly && records.some((r) => !same(r[f.name], records[0]?.[f.name])));
  const shown = fields.filter((f) => f.name === type.titleField || differing.includes(f) || records.some((r) => r[f.name] != null && r[f.name] !== ''));

  const values = () => {
    const chosen: Record<string, unknown> = {};
    for (const f of differing) {
      const source = from[f.name];
      if (!source || source === keepId) continue;
      chosen[f.name] = inputValue(f, shapes, records.find((r) => r.id === source)?.[f.name]);
    }
    return chosen;
  };

  async function merge(dryRun: boolean) {
    setBusy(true);
    setProblem(null);
    const mutation = `mutation ConsoleMerge($entityType: CrmEntityType!, $ids: [ID!]!, $keepId: ID!, $values: JSON, $dryRun: Boolean) {
  mergeRecords(entityType: $entityType, ids: $ids, keepId: $keepId, values: $values, dryRun: $dryRun) {
    record { ${recordSelection(type, shapes)} } removedIds movedReferences dryRun ${payloadErrors}
  }
}`;
    const result = await client.mutation(mutation, { entityType: type.name, ids: group.ids, keepId, values: values(), dryRun }).toPromise();
    setBusy(false);
    if (result.error) {
      setProblem(result.error.message);
      return;
    }
    const payload = (result.data as { mergeRecords: Preview }).mergeRecords;
    if (payload.errors.length > 0) {
      setProblem(payload.errors.map((e) => e.message).join(' '));
      return;
    }
    if (dryRun) setPreview(payload);
    else onMerged();
  }

  const choose = (change: () => void) => {
    change();
    setPreview(null);
  };
  const title = (r: Row) => String(r[type.titleField] ?? `#${r.id}`);
  return (
    <section className="duplicate-group" aria-label={t('dup.group', { key: group.key })}>
      <h2>
        {group.key} <span className="muted">({t('dup.records', { count: group.count })})</span>
      </h2>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">{t('dup.keep')}</th>
              {shown.map((f) => (
                <th key={f.name} scope="col">
                  {f.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {records.map((r) => (
              <tr key={r.id} className={r.id === keepId ? 'selected' : undefined}>
                <td>
                  <label className="check">
                    <input
                      type="radio"
                      name={`keep-${group.key}`}
                      checked={r.id === keepId}
                      aria-label={t('dup.keepRecord', { title: title(r) })}
                      onChange={() => choose(() => setKeepId(r.id))}
                    />
                    <Link href={recordPath(type.name, r.id)}>#{r.id}</Link>
                  </label>
                </td>
                {shown.map((f) => (
                  <td key={f.name} data-label={f.label}>
                    {differing.includes(f) ? (
                      <label className="check">
                        <input
                          type="radio"
                          name={`${group.key}-${f.name}`}
                          aria-label={t('dup.takeValue', { field: f.label, title: title(r) })}
                          checked={(from[f.name] ?? keepId) === r.id}
                          onChange={() => choose(() => setFrom({ ...from, [f.name]: r.id }))}
                        />
                        <FieldValue field={f} value={r[f.name]} lookups={lookups} />
                      </label>
                    ) : (
                      <FieldValue field={f} value={r[f.name]} lookups={lookups} />
                    )}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      {preview?.record && (
        <div className="merge-preview" role="region" aria-label={t('dup.preview')}>
          <h3>{t('dup.preview')}</h3>
          <p>{t('dup.previewSummary', { removed: preview.removedIds.map((id) => `#${id}`).join(', '), moved: preview.movedReferences })}</p>
          <dl>
            {shown.map((f) => (
              <div key={f.name} data-field={f.name}>
                <dt>{f.label}</dt>
                <dd>
                  <FieldValue field={f} value={preview.record?.[f.name]} lookups={lookups} />
                </dd>
              </div>
            ))}
          </dl>
        </div>
      )}
      <div className="dialog-actions">
        <button type="button" disabled={busy} onClick={() => void merge(true)}>
          {t('dup.previewButton')}
        </button>
        <button
          type="button"
          className="primary"
          disabled={busy || !preview}
          onClick={() => {
            if (window.confirm(t('dup.confirm', { count: group.ids.length - 1 }))) void merge(false);
          }}
        >
          {t('dup.merge')}
        </button>
      </div>
    </section>
  );
}
