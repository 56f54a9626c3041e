import { useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { Link } from 'wouter';
import { useI18n } from '../../i18n';
import { listPath, recordPath, useEntityType, useEntityTypes } from '../../metadata/entityTypes';
import { choiceIds, FieldInput, FieldValue, inputText, isChoice, parseInput, type Lookups } from '../../metadata/fields';
import { useSelectionLists, useUsers } from '../../metadata/lookups';
import { errorsByField, recordFields, recordQuery, relatedQuery, updateMutation, type Row, type UserError } from '../../metadata/operations';
import { partsOf, useShapes, type Part, type Shapes } from '../../metadata/shapes';
import { allowed, type EntityFieldInfo, type EntityTypeInfo } from '../../metadata/types';
import { Problem } from '../../components/Problem';
import { Activities } from './Activities';
import { ChoicesInput } from './ChoicesInput';
import { CompositeInput, inputOf, itemsOf, useRowDefaults, type CompositeItem } from './CompositeInput';
import { ConvertLeadDialog } from './ConvertLeadDialog';
import { Timeline } from './Timeline';
import { editsAsValues, keptRows, refusedRows, rowsOf, ValuesInput, valuesOf } from './ValuesInput';

export function RecordPageRoute({ params }: { params: { type: string; id: string } }) {
  const type = useEntityType(params.type);
  const { t } = useI18n();
  if (!type) return <p>{t('app.forbidden')}</p>;
  return <RecordPage key={`${type.name}:${params.id}`} type={type} id={decodeURIComponent(params.id)} />;
}

function RecordPage({ type, id }: { type: EntityTypeInfo; id: string }) {
  const { t } = useI18n();
  const lookups: Lookups = { lists: useSelectionLists(), users: useUsers() };
  const types = useEntityTypes();
  // How each field is selected comes from the schema first: the record is asked for once it is known.
  const { shapes, error: shapesError, retry: retryShapes } = useShapes(type);
  const query = useMemo(() => recordQuery(type, types, shapes ?? new Map()), [type, types, shapes]);
  const [result, reexecute] = useQuery<{ record: Row | null }>({ query, variables: { id }, requestPolicy: 'cache-and-network', pause: !shapes });
  const [converting, setConverting] = useState(false);
  // A refetch (after an edit, or a mutation that touched the type) keeps the page up with what it showed.
  const shown = useRef<Row | null>(null);
  if (result.data) shown.current = result.data.record;
  const record = shown.current;

  // A link to a record the user may not read comes back empty with an error beside the record: the page still shows.
  if (shapesError && !record) return <Problem message={shapesError} onRetry={retryShapes} />;
  if (result.error && !result.data?.record) return <Problem message={result.error.message} onRetry={() => reexecute({ requestPolicy: 'network-only' })} />;
  if ((result.fetching || !shapes) && !record) return <p className="loading">{t('app.loading')}</p>;
  if (!record) return <p>{t('record.notFound')}</p>;

  const stageField = type.stageField ? type.fields.find((f) => f.name === type.stageField) : undefined;
  const stageName = (stageId: string) =>
    (stageField?.selectionList && lookups.lists.get(stageField.selectionList)?.find((i) => i.id === stageId)?.name) ??
    [...lookups.lists.values()].flat().find((i) => i.id === stageId)?.name ??
    stageId;
  const canConvert = type.actions.some((a) => a.name === 'CONVERT' && a.allowed) || (type.name === 'LEAD' && allowed(type, 'UPDATE') && !type.actions.some((a) => a.name === 'CONVERT'));
  const refresh = () => reexecute({ requestPolicy: 'network-only' });

  return (
    <article className="page record-page">
      <nav className="breadcrumb" aria-label={t('app.breadcrumb')}>
        <Link href={listPath(type.name)}>{type.pluralLabel}</Link>
      </nav>
      <div className="page-head">
        <h1>{String(record[type.titleField] ?? `#${record.id}`)}</h1>
        {stageField && record[stageField.name] != null && (
          <span className="badge stage">
            <FieldValue field={stageField} value={record[stageField.name]} lookups={lookups} />
          </span>
        )}
        {canConvert && (
          <button type="button" className="primary" onClick={() => setConverting(true)}>
            {t('record.convert')}
          </button>
        )}
      </div>
      <div className="record-columns">
        <div className="record-fields">
          <FieldGroups type={type} record={record} lookups={lookups} shapes={shapes ?? new Map()} onSaved={refresh} />
          <Related type={type} record={record} />
        </div>
        <div className="record-side">
          <Activities type={type} id={record.id} />
          <Timeline type={type} id={record.id} stageName={stageName} />
        </div>
      </div>
      {converting && <ConvertLeadDialog leadId={record.id} onClose={() => setConverting(false)} onConverted={refresh} />}
    </article>
  );
}

function FieldGroups({ type, record, lookups, shapes, onSaved }: { type: EntityTypeInfo; record: Row; lookups: Lookups; shapes: Shapes; onSaved: () => void }) {
  const fields = recordFields(type, shapes).filter((f) => f.name !== 'id');
  // In the API's order, the groups where their first field is; each labelled by the API in the user's language.
  const groups = new Map<string, EntityFieldInfo[]>();
  for (const f of fields) groups.set(f.group, [...(groups.get(f.group) ?? []), f]);
  const canEdit = allowed(type, 'UPDATE') && !!type.updateMutation;
  return (
    <>
      {[...groups].map(([group, members]) => (
        <section key={group} className="field-group" aria-label={members[0]!.groupLabel}>
          <h2>{members[0]!.groupLabel}</h2>
          <dl>
            {members.map((f) => (
              <EditableField
                key={f.name}
                type={type}
                record={record}
                field={f}
                parts={isChoice(f) ? undefined : partsOf(shapes, f)}
                lookups={lookups}
                editable={canEdit && !f.readOnly && (!f.list || isChoice(f) || !!partsOf(shapes, f) || editsAsValues(f))}
                onSaved={onSaved}
              />
            ))}
          </dl>
        </section>
      ))}
    </>
  );
}

/** One field, shown; editable in place where the caller may: the API's messages show at the field. */
function EditableField({
  type,
  record,
  field,
  parts,
  lookups,
  editable,
  onSaved,
}: {
  type: EntityTypeInfo;
  record: Row;
  field: EntityFieldInfo;
  /**
   * The parts of a composite value (phones: value, valueType; money: amount, currency), edited row by
   * row; without them a list field is edited a value a row, and a multiple choice by ticking its items.
   */
  parts?: Part[];
  lookups: Lookups;
  editable: boolean;
  onSaved: () => void;
}) {
  const { t } = useI18n();
  const id = useId();
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState('');
  const [items, setItems] = useState<CompositeItem[]>([]);
  const [rows, setRows] = useState<string[]>([]);
  const [chosen, setChosen] = useState<string[]>([]);
  const [errors, setErrors] = useState<string[]>([]);
  const [invalidRows, setInvalidRows] = useState<ReadonlySet<number>>(new Set());
  const choices = !parts && isChoice(field) && field.list;
  const values = !parts && !choices && editsAsValues(field);
  const [{ fetching }, update] = useMutation(updateMutation(type) ?? '');
  const rowDefaults = useRowDefaults(field, parts);

  async function save(e: FormEvent) {
    e.preventDefault();
    // Empty rows go before the write, so that the API's index of a refused value is the row shown.
    const kept = values ? keptRows(rows) : rows;
    if (values) setRows(kept);
    const value = parts ? inputOf(field, parts, items) : choices ? chosen : values ? valuesOf(field, kept) : parseInput(field, text);
    const result = await update({ id: record.id, input: { [field.name]: value } });
    const refused = (result.data as { result?: { errors: UserError[] } } | undefined)?.result?.errors ?? [];
    if (values) setInvalidRows(refusedRows(field, refused, kept.length));
    if (result.error) setErrors([result.error.message]);
    else if (refused.length) setErrors([...errorsByField(refused, [field.name]).values()].flat());
    else {
      setEditing(false);
      setErrors([]);
      onSaved();
    }
  }

  function startEditing() {
    if (parts) setItems(itemsOf(field, parts, record[field.name], rowDefaults));
    else if (choices) setChosen(choiceIds(record[field.name]));
    else if (values) setRows(rowsOf(field, record[field.name]));
    else setText(inputText(field, record[field.name]));
    setInvalidRows(new Set());
    setEditing(true);
  }

  return (
    <div className={editing ? 'field editing' : 'field'} data-field={field.name}>
      <dt>
        <label htmlFor={id}>{field.label}</label>
      </dt>
      <dd>
        {editing ? (
          <form onSubmit={save} className="inline-edit">
            {parts ? (
              <CompositeInput
                field={field}
                parts={parts}
                stored={record[field.name]}
                items={items}
                onChange={setItems}
                id={id}
                invalid={errors.length > 0}
                describedBy={errors.length ? `${id}-error` : undefined}
              />
            ) : choices ? (
              <ChoicesInput
                field={field}
                chosen={chosen}
                onChange={setChosen}
                id={id}
                invalid={errors.length > 0}
                describedBy={errors.length ? `${id}-error` : undefined}
              />
            ) : values ? (
              <ValuesInput
                field={field}
                rows={rows}
                onChange={setRows}
                lookups={lookups}
                id={id}
                invalidRows={invalidRows}
                onInvalidRowsChange={setInvalidRows}
                describedBy={errors.length ? `${id}-error` : undefined}
              />
            ) : (
              <FieldInput
                field={field}
                id={id}
                value={text}
                onChange={setText}
                lookups={lookups}
                invalid={errors.length > 0}
                describedBy={errors.length ? `${id}-error` : undefined}
              />
            )}
            <button type="submit" className="primary" disabled={fetching}>
              {t('record.save')}
            </button>
            <button
              type="button"
              onClick={() => {
                setEditing(false);
                setErrors([]);
              }}
            >
              {t('record.cancel')}
            </button>
            {errors.length > 0 && (
              <p id={`${id}-error`} className="error" role="alert">
                {errors.join(' ')}
              </p>
            )}
          </form>
        ) : (
          <>
            <span id={id}>
              <FieldValue field={field} value={record[field.name]} lookups={lookups} object={field.objectField ? record[field.objectField] : undefined} />
            </span>
            {editable && (
              <button
                type="button"
                className="edit"
                aria-label={t('record.edit', { field: field.label })}
                onClick={startEditing}
              >
                ✎
              </button>
            )}
          </>
        )}
      </dd>
    </div>
  );
}

/** The records that point at this one (a company's deals and contacts, a deal's leads ...), from the other types' reference fields. */
function Related({ type, record }: { type: EntityTypeInfo; record: Row }) {
  const { t } = useI18n();
  const types = useEntityTypes();
  const links = types.flatMap((other) =>
    other.name === 'ACTIVITY'
      ? []
      : other.fields.filter((f) => f.type === 'REFERENCE' && f.reference === type.name && f.filterable && !f.list).map((field) => ({ other, field })),
  );
  if (links.length === 0) return null;
  return (
    <section className="related" aria-labelledby="related-heading">
      <h2 id="related-heading">{t('record.related')}</h2>
      {links.map(({ other, field }) => (
        <RelatedList key={`${other.name}.${field.name}`} type={other} field={field} id={record.id} />
      ))}
    </section>
  );
}

function RelatedList({ type, field, id }: { type: EntityTypeInfo; field: EntityFieldInfo; id: string }) {
  const query = useMemo(() => relatedQuery(type, field), [type, field]);
  const [result] = useQuery<{ list: { nodes: Row[]; pageInfo: { hasNextPage: boolean } } }>({ query, variables: { id } });
  const nodes = result.data?.list.nodes ?? [];
  if (nodes.length === 0) return null;
  return (
    <div className="related-list">
      <h3>
        {type.pluralLabel} <span className="muted">({field.label})</span>
      </h3>
      <ul>
        {nodes.map((n) => (
          <li key={n.id}>
            <Link href={recordPath(type.name, n.id)}>{String(n[type.titleField] ?? `#${n.id}`)}</Link>
          </li>
        ))}
        {result.data?.list.pageInfo.hasNextPage && <li>…</li>}
      </ul>
    </div>
  );
}
