import { useState } from 'react';
import { useClient } from 'urql';
import { Dialog } from '../../components/Dialog';
import { graphql } from '../../gql';
// The metadata's type names are the enum's values (plugins' types included).
import type { CrmEntityType } from '../../gql/graphql';
import { useI18n } from '../../i18n';
import { JobStatus, downloadJobFile, useJob } from '../../jobs/jobs';
import type { EntityTypeInfo } from '../../metadata/types';
import { warningsOf, type ListState } from './listState';

const ExportRecords = graphql(`
  mutation ConsoleExportRecords($entityType: CrmEntityType!, $viewId: ID, $where: JSON, $order: JSON, $columns: [String!], $format: ExportFormat!) {
    exportRecords(entityType: $entityType, viewId: $viewId, where: $where, order: $order, columns: $columns, format: $format) {
      job { id }
      errors { code message path }
    }
  }
`);

type Format = 'CSV' | 'XLSX';

/** Exports what the list shows (its view, filter, order and columns) as CSV or XLSX, follows the job, then downloads the file. */
export function ExportDialog({ type, state, onClose }: { type: EntityTypeInfo; state: ListState; onClose: () => void }) {
  const { t } = useI18n();
  const client = useClient();
  const [format, setFormat] = useState<Format>('CSV');
  const [jobId, setJobId] = useState<string | null>(null);
  const [problems, setProblems] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const job = useJob(jobId);

  async function start() {
    setBusy(true);
    setProblems([]);
    const result = await client
      .mutation(ExportRecords, {
        entityType: type.name as CrmEntityType,
        viewId: state.viewId,
        where: state.where,
        order: state.order,
        columns: state.columns,
        format,
      })
      .toPromise();
    setBusy(false);
    const payload = result.data?.exportRecords;
    const messages = [...(result.error ? [result.error.message] : []), ...(payload?.errors ?? []).map((e) => e.message)];
    setProblems([...messages, ...warningsOf(result.extensions)]);
    if (payload?.job) setJobId(payload.job.id);
  }

  async function download() {
    if (!job?.download) return;
    try {
      await downloadJobFile(job.download.url, job.download.fileName);
    } catch (e) {
      setProblems([String(e)]);
    }
  }

  return (
    <Dialog title={t('export.title', { type: type.pluralLabel })} onClose={onClose}>
      <p className="muted">{t('export.what')}</p>
      <fieldset disabled={!!jobId}>
        <legend>{t('export.format')}</legend>
        {(['CSV', 'XLSX'] as const).map((f) => (
          <label key={f} className="check">
            <input type="radio" name="format" value={f} checked={format === f} onChange={() => setFormat(f)} />
            {f}
          </label>
        ))}
      </fieldset>
      {problems.length > 0 && (
        <ul className="error" role="alert">
          {problems.map((p, i) => (
            <li key={i}>{p}</li>
          ))}
        </ul>
      )}
      {jobId && <JobStatus job={job} />}
      <div className="dialog-actions">
        {!jobId && (
          <button type="button" className="primary" disabled={busy} onClick={() => void start()}>
            {t('export.start')}
          </button>
        )}
        {job?.state === 'SUCCEEDED' && job.download && (
          <button type="button" className="primary" onClick={() => void download()}>
            {t('export.download', { file: job.download.fileName })}
          </button>
        )}
        <button type="button" onClick={onClose}>
          {t('tools.close')}
        </button>
      </div>
    </Dialog>
  );
}
