import { createContext, useCallback, useContext, useId, useState } from 'react';
import { useClient } from 'urql';
import { graphql } from '../../gql';
// The metadata's type names are the enum's values (plugins' types included).
import type { CrmEntityType } from '../../gql/graphql';
import { useI18n } from '../../i18n';
import { JobStatus, bulkCounts, fetchJobFile, useJob, useJobEnd, type JobView } from '../../jobs/jobs';
import { UserPicker } from '../../components/UserPicker';
import { FieldInput, parseInput, type Lookups } from '../../metadata/fields';
import { moneyParts, takesOneInput, type Shapes } from '../../metadata/shapes';
import type { ListItem } from '../../metadata/lookups';
import { allowed, type EntityFieldInfo, type EntityTypeInfo } from '../../metadata/types';
import type { ListState } from './listState';
import { useDefaultCurrency } from '../../components/CurrencySelect';
import { CompositeInput, inputOf, itemsOf, type CompositeItem } from '../record/CompositeInput';
import { StagesByPipeline, type PipelineGroup } from './StagesByPipeline';

// Bulk actions on the selected rows or on the whole filtered list, each one bulkUpdate job:
// its progress followed live, the records it refused listed with their reasons.

export const BulkUpdate = graphql(`
  mutation ConsoleBulkUpdate($entityType: CrmEntityType!, $ids: [ID!], $where: JSON, $viewId: ID, $action: BulkActionInput!) {
    bulkUpdate(entityType: $entityType, ids: $ids, where: $where, viewId: $viewId, action: $action) {
      job { id }
      errors { code message path }
    }
  }
`);

export interface Refusal {
  id: string | number;
  code: string;
  message: string;
}

type Action = { kind: 'SET_FIELDS'; fields: Record<string, unknown> } | { kind: 'ASSIGN'; userId: string } | { kind: 'DELETE' };

/** The stages offered, and the fields set with the stage (a deal's pipelineId). */
export interface StageChoice {
  items: ListItem[];
  alongside: Record<string, unknown>;
}

/** The list's rows told which records a bulk job refused, to mark them where they are: a run starting clears the marks. */
export interface RowRefusals {
  add(refusals: Refusal[]): void;
  clear(): void;
}

export const RowRefusalsContext = createContext<RowRefusals | null>(null);

/** A refused row's mark, with the reason for sighted and screen reader users alike. */
export function RefusalMark({ refusal }: { refusal: Refusal }) {
  const { t } = useI18n();
  const text = t('bulk.refusedRow', { message: refusal.message });
  return (
    <span className="row-refusal" role="img" aria-label={text} title={text}>
      !
    </span>
  );
}

/** When a bulk job ends: the list reloaded, then the records it refused read from its result file (and marked at their rows). */
export function useBulkEnd(job: JobView | null, onDone: () => void, onRefusals: (refusals: Refusal[]) => void, onProblems: (problems: string[]) => void) {
  const rows = useContext(RowRefusalsContext);
  const ended = useCallback(
    async (done: JobView) => {
      onDone();
      if (done.state !== 'SUCCEEDED' || !bulkCounts(done.counts).refused || !done.download) return;
      try {
        const result = JSON.parse(await (await fetchJobFile(done.download.url)).text()) as { refusals?: Refusal[] };
        onRefusals(result.refusals ?? []);
        rows?.add(result.refusals ?? []);
      } catch (e) {
        onProblems([String(e)]);
      }
    },
    [onDone, onRefusals, onProblems, rows],
  );
  useJobEnd(job, (j) => void ended(j));
}

/** The fields a bulk "set a field" offers: those the type's update takes, one value each, and money values (one or several). */
export function settableFields(type: EntityTypeInfo, shapes: Shapes): EntityFieldInfo[] {
  return type.fields.filter((f) => !f.readOnly && f.name !== 'id' && ((!f.list && takesOneInput(shapes, f)) || !!moneyParts(shapes, f)));
}

export function BulkActions({
  type,
  shapes,
  lookups,
  selected,
  wholeList,
  onWholeList,
  canWholeList,
  state,
  stages,
  byPipeline,
  onDone,
}: {
  type: EntityTypeInfo;
  /** The schema's shapes: "set a field" offers the fields one box or choice takes. */
  shapes: Shapes;
  lookups: Lookups;
  selected: Set<string>;
  /** Whether the actions apply to every record of the filtered list rather than the selected rows. */
  wholeList: boolean;
  onWholeList: (whole: boolean) => void;
  /** False while a search narrows the list: a bulk action takes a filter and a view, not a search. */
  canWholeList: boolean;
  state: ListState;
  /** The stages the records can take (null: the selection spans pipelines; undefined: not offered). */
  stages: StageChoice | null | undefined;
  /** The selected records (or the whole filtered list's) of each pipeline with its stages, when they span several (null: one pipeline, or not known). */
  byPipeline?: PipelineGroup[] | null;
  onDone: () => void;
}) {
  const { t } = useI18n();
  const client = useClient();
  const [jobId, setJobId] = useState<string | null>(null);
  const [problems, setProblems] = useState<string[]>([]);
  const [refusals, setRefusals] = useState<Refusal[]>([]);
  const [setField, setSetField] = useState('');
  const [setValue, setSetValue] = useState('');
  // A money value's rows (amount and currency); null until edited: a new amount in the default currency.
  const [setItems, setSetItems] = useState<CompositeItem[] | null>(null);
  const currency = useDefaultCurrency();
  const job = useJob(jobId);
  const valueId = useId();
  const canUpdate = allowed(type, 'UPDATE') && !!type.updateMutation;
  const canDelete = allowed(type, 'DELETE') && !!type.deleteMutation;
  const assignable = type.fields.some((f) => f.type === 'USER' && !f.readOnly && /assigned|responsible/i.test(f.name));
  const fields = settableFields(type, shapes);
  const field = fields.find((f) => f.name === setField);
  const parts = field ? moneyParts(shapes, field) : undefined;
  const items = field && parts ? (setItems ?? itemsOf(field, parts, null, { currency })) : [];
  const stageField = type.stageField ? type.fields.find((f) => f.name === type.stageField && !f.readOnly) : undefined;
  const count = wholeList ? t('bulk.wholeList') : t('list.selected', { count: selected.size });

  useBulkEnd(job, onDone, setRefusals, setProblems);
  const rowRefusals = useContext(RowRefusalsContext);

  async function run(action: Action) {
    setProblems([]);
    setRefusals([]);
    rowRefusals?.clear();
    setJobId(null);
    const chosen = wholeList ? { where: state.where, viewId: state.viewId, ids: null } : { ids: [...selected], where: null, viewId: null };
    const result = await client.mutation(BulkUpdate, { entityType: type.name as CrmEntityType, ...chosen, action }).toPromise();
    const payload = result.data?.bulkUpdate;
    setProblems([...(result.error ? [result.error.message] : []), ...(payload?.errors ?? []).map((e) => e.message)]);
    if (payload?.job) setJobId(payload.job.id);
  }

  return (
    <div className="bulk-actions" role="region" aria-label={t('bulk.title')}>
      <span>{count}</span>
      {wholeList ? (
        <button type="button" className="link" onClick={() => onWholeList(false)}>
          {t('bulk.onlySelected')}
        </button>
      ) : (
        <button type="button" className="link" disabled={!canWholeList} title={canWholeList ? undefined : t('bulk.noSearch')} onClick={() => onWholeList(true)}>
          {t('bulk.selectWholeList')}
        </button>
      )}
      {canUpdate && assignable && (
        <UserPicker value="" onChange={(userId) => userId && void run({ kind: 'ASSIGN', userId })} known={lookups.users} label={t('list.assign')} emptyLabel={t('list.assign')} />
      )}
      {canUpdate && stageField && stages && (
        <select
          aria-label={t('list.changeStage')}
          value=""
          onChange={(e) => e.target.value && void run({ kind: 'SET_FIELDS', fields: { ...stages.alongside, [stageField.name]: e.target.value } })}
        >
          <option value="">{t('list.changeStage')}</option>
          {stages.items.map((i) => (
            <option key={i.id} value={i.id}>
              {i.name}
            </option>
          ))}
        </select>
      )}
      {canUpdate && stageField && stages === null && !byPipeline && (
        <span className="muted" role="note">
          {t('list.stagesMixed')}
        </span>
      )}
      {canUpdate && stageField && stages === null && byPipeline && <StagesByPipeline type={type} stageField={stageField.name} groups={byPipeline} onDone={onDone} />}
      {canUpdate && fields.length > 0 && (
        <form
          className="bulk-set-field"
          aria-label={t('bulk.setField')}
          onSubmit={(e) => {
            e.preventDefault();
            if (field) void run({ kind: 'SET_FIELDS', fields: { [field.name]: parts ? inputOf(field, parts, items) : parseInput(field, setValue) } });
          }}
        >
          <select
            aria-label={t('bulk.field')}
            value={setField}
            onChange={(e) => {
              setSetField(e.target.value);
              setSetValue('');
              setSetItems(null);
            }}
          >
            <option value="">{t('bulk.setField')}</option>
            {fields.map((f) => (
              <option key={f.name} value={f.name}>
                {f.label}
              </option>
            ))}
          </select>
          {field && parts && <CompositeInput field={field} parts={parts} stored={null} items={items} onChange={setSetItems} id={valueId} invalid={false} />}
          {field && !parts && <FieldInput field={field} value={setValue} onChange={setSetValue} lookups={lookups} id={valueId} label={t('bulk.value')} />}
          <button type="submit" disabled={!field}>
            {t('bulk.apply')}
          </button>
        </form>
      )}
      {canDelete && (
        <button
          type="button"
          className="danger"
          onClick={() => {
            if (window.confirm(wholeList ? t('bulk.confirmDeleteAll') : t('list.confirmDelete', { count: selected.size }))) void run({ kind: 'DELETE' });
          }}
        >
          {t('list.delete')}
        </button>
      )}
      <BulkOutcome started={!!jobId} job={job} problems={problems} refusals={refusals} />
    </div>
  );
}

/** A bulk job's progress, its counts (written, left as they were, refused), and what it refused with the reasons. */
export function BulkOutcome({ started, job, problems, refusals }: { started: boolean; job: JobView | null; problems: string[]; refusals: Refusal[] }) {
  const { t } = useI18n();
  const counts = job && job.counts != null && job.state !== 'QUEUED' && job.state !== 'FAILED' ? bulkCounts(job.counts) : null;
  return (
    <>
      {started && <JobStatus job={job} />}
      {counts && <p className="muted">{t('bulk.result', { ...counts })}</p>}
      {(problems.length > 0 || refusals.length > 0) && (
        <ul className="error" role="alert" aria-label={t('bulk.refused')}>
          {problems.map((p, i) => (
            <li key={`p${i}`}>{p}</li>
          ))}
          {refusals.map((r) => (
            <li key={`r${r.id}`}>
              #{r.id}: {r.message} ({r.code})
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
