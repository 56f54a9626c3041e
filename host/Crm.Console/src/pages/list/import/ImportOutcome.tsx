import { useCallback, useState } from 'react';
import { useI18n } from '../../../i18n';
import { JobStatus, downloadJobFile, fetchJobFile, useJobEnd, type JobView } from '../../../jobs/jobs';
import { readRejectedRows, type RejectedRows } from './rejectedRows';

// An import job followed live: its counts, then the rows it rejected with their reasons and the file of them.

/** Rejected rows shown in the dialog; the downloaded file holds every one. */
const shownRejected = 100;

interface ImportCounts {
  imported?: number;
  updated?: number;
  skipped?: number;
  rejected?: number;
}

export function ImportOutcome({ job, dryRun, onEnd }: { job: JobView | null; dryRun: boolean; onEnd: () => void }) {
  const { t, formatNumber } = useI18n();
  const [rejected, setRejected] = useState<RejectedRows | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const counts = (job?.counts ?? {}) as ImportCounts;

  const ended = useCallback(
    async (done: JobView) => {
      onEnd();
      if (!done.download || !((done.counts as ImportCounts).rejected ?? 0)) return;
      try {
        setRejected(readRejectedRows(await (await fetchJobFile(done.download.url)).text(), shownRejected));
      } catch (e) {
        setProblem(String(e));
      }
    },
    [onEnd],
  );
  useJobEnd(job, (j) => void ended(j));

  const download = async () => {
    if (!job?.download) return;
    try {
      await downloadJobFile(job.download.url, job.download.fileName);
    } catch (e) {
      setProblem(String(e));
    }
  };

  const rejectedCount = counts.rejected ?? 0;
  return (
    <div className="import-outcome">
      <JobStatus job={job} />
      {job && (
        <p className="import-counts" data-testid="import-counts">
          {t('import.counts', {
            imported: formatNumber(counts.imported ?? 0),
            updated: formatNumber(counts.updated ?? 0),
            skipped: formatNumber(counts.skipped ?? 0),
            rejected: formatNumber(rejectedCount),
          })}
        </p>
      )}
      {dryRun && job?.state === 'SUCCEEDED' && <p className="muted">{t('import.dryRunDone')}</p>}
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      {rejected && (
        <section aria-label={t('import.rejected')}>
          <h3>{t('import.rejected')}</h3>
          {rejectedCount > rejected.rows.length && (
            <p className="muted">{t('import.rejectedMore', { shown: rejected.rows.length, count: formatNumber(rejectedCount) })}</p>
          )}
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  {rejected.header.map((h, i) => (
                    <th key={i} scope="col">
                      {i === rejected.header.length - 1 ? t('import.reason') : h}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rejected.rows.map((row, i) => (
                  <tr key={i}>
                    {row.map((cell, j) => (
                      <td key={j} className={j === row.length - 1 ? 'error' : undefined}>
                        {cell}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {job?.download && (
            <button type="button" onClick={() => void download()}>
              {t('import.downloadRejected')}
            </button>
          )}
        </section>
      )}
    </div>
  );
}
