import { useContext, useState } from 'react';
import { useClient, useQuery } from 'urql';
// The metadata's type names are the enum's values (plugins' types included).
import type { CrmEntityType } from '../../gql/graphql';
import { useI18n } from '../../i18n';
import { useJob } from '../../jobs/jobs';
import type { ListItem } from '../../metadata/lookups';
import { PipelinesQuery } from '../../metadata/pipelines';
import type { EntityTypeInfo } from '../../metadata/types';
import { BulkOutcome, BulkUpdate, RowRefusalsContext, useBulkEnd, type Refusal } from './BulkActions';

/** The selected records of one pipeline (a partition of the stage lists), the stages it offers and the fields set with a stage. */
export interface PipelineGroup {
  partition: string;
  /** The selected records, when the part is not a filter. */
  ids: string[];
  /** The records: the selected ones, or those the part's filter finds. */
  count: number;
  /** The whole filtered list's records in this pipeline: its filter (with the pipeline) and view; null: the ids. */
  part: { where: Record<string, unknown> | null; viewId: string | null } | null;
  items: ListItem[];
  alongside: Record<string, unknown>;
}

interface Run {
  partition: string;
  jobId: string | null;
  problems: string[];
}

/**
 * "Change stage" for selected records of several pipelines, or the whole filtered list spanning
 * them: a stage picked per pipeline (one stage fits one pipeline), then one bulkUpdate job per
 * pipeline given a stage, each followed live with its counts and the records it refused.
 */
export function StagesByPipeline({ type, stageField, groups, onDone }: { type: EntityTypeInfo; stageField: string; groups: PipelineGroup[]; onDone: () => void }) {
  const { t } = useI18n();
  const client = useClient();
  const [{ data }] = useQuery({ query: PipelinesQuery, requestPolicy: 'cache-first' });
  const [choice, setChoice] = useState<Record<string, string>>({});
  const [runs, setRuns] = useState<Run[]>([]);
  const nameOf = (partition: string) => data?.pipelines.find((p) => p.id === partition)?.name ?? `#${partition}`;

  const rowRefusals = useContext(RowRefusalsContext);

  async function apply() {
    rowRefusals?.clear();
    const chosen = groups.filter((g) => choice[g.partition]);
    const started = await Promise.all(
      chosen.map(async (g): Promise<Run> => {
        const action = { kind: 'SET_FIELDS' as const, fields: { ...g.alongside, [stageField]: choice[g.partition] } };
        const chosen = g.part ? { ids: null, where: g.part.where, viewId: g.part.viewId } : { ids: g.ids, where: null, viewId: null };
        const result = await client.mutation(BulkUpdate, { entityType: type.name as CrmEntityType, ...chosen, action }).toPromise();
        const payload = result.data?.bulkUpdate;
        return { partition: g.partition, jobId: payload?.job?.id ?? null, problems: [...(result.error ? [result.error.message] : []), ...(payload?.errors ?? []).map((e) => e.message)] };
      }),
    );
    setRuns(started);
  }

  return (
    <form
      className="stages-by-pipeline"
      aria-label={t('bulk.stagesByPipeline')}
      onSubmit={(e) => {
        e.preventDefault();
        void apply();
      }}
    >
      {groups.map((g) => (
        <label key={g.partition} className="form-field">
          <span>{t('bulk.stageIn', { pipeline: nameOf(g.partition), count: g.count })}</span>
          <select value={choice[g.partition] ?? ''} onChange={(e) => setChoice({ ...choice, [g.partition]: e.target.value })}>
            <option value="">{t('bulk.keepStage')}</option>
            {g.items.map((i) => (
              <option key={i.id} value={i.id}>
                {i.name}
              </option>
            ))}
          </select>
        </label>
      ))}
      <button type="submit" disabled={!groups.some((g) => choice[g.partition])}>
        {t('bulk.changeStages')}
      </button>
      {runs.map((r) => (
        <PipelineRun key={`${r.partition}-${r.jobId ?? ''}`} name={nameOf(r.partition)} run={r} onDone={onDone} />
      ))}
    </form>
  );
}

/** One pipeline's job: its progress, its counts, and the records it refused with their reasons. */
function PipelineRun({ name, run, onDone }: { name: string; run: Run; onDone: () => void }) {
  const job = useJob(run.jobId);
  const [refusals, setRefusals] = useState<Refusal[]>([]);
  const [problems, setProblems] = useState<string[]>([]);
  useBulkEnd(job, onDone, setRefusals, setProblems);
  return (
    <section className="pipeline-run" aria-label={name}>
      <h3>{name}</h3>
      <BulkOutcome started={!!run.jobId} job={job} problems={[...run.problems, ...problems]} refusals={refusals} />
    </section>
  );
}
