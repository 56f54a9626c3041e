import { useState } from 'react';
import { useQuery } from 'urql';
import { Problem } from '../components/Problem';
import { graphql } from '../gql';
import { useI18n, type MessageKey } from '../i18n';
import { bulkCounts, downloadJobFile, finalStates, useCancelJob } from './jobs';

const MyJobs = graphql(`
  query ConsoleMyJobs {
    myJobs(first: 50) {
      id kind state done total counts cancelRequested errorCode error createdAt finishedAt
      download { url fileName expiresAt }
    }
  }
`);

const kindKeys: Record<string, MessageKey> = { 'export.records': 'jobs.kind.export', 'import.records': 'jobs.kind.import', 'bulk.update': 'jobs.kind.bulk' };

/** The user's recent jobs (exports, imports, bulk actions): their state, progress and files while kept; an unfinished one cancelled. */
export function MyJobsPage() {
  const { t, formatDateTime, formatNumber } = useI18n();
  const [{ data, error, fetching }, refetch] = useQuery({ query: MyJobs, requestPolicy: 'network-only' });
  const jobs = data?.myJobs ?? [];
  const cancel = useCancelJob();
  const [refusal, setRefusal] = useState<string | null>(null);
  // A module's own kind has no label here: shown by its name.
  const kindLabel = (kind: string) => (kind in kindKeys ? t(kindKeys[kind]!) : kind);
  return (
    <section className="page jobs-page">
      <div className="page-head">
        <h1>{t('jobs.title')}</h1>
        <button type="button" onClick={() => refetch({ requestPolicy: 'network-only' })}>
          {t('jobs.refresh')}
        </button>
      </div>
      {error && <Problem message={error.message} />}
      {refusal && <Problem message={refusal} />}
      {fetching && <p className="loading">{t('app.loading')}</p>}
      {!fetching && jobs.length === 0 && <p className="empty">{t('jobs.none')}</p>}
      {jobs.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('jobs.kind')}</th>
                <th scope="col">{t('jobs.state')}</th>
                <th scope="col">{t('jobs.progress')}</th>
                <th scope="col">{t('jobs.created')}</th>
                <th scope="col">{t('jobs.file')}</th>
              </tr>
            </thead>
            <tbody>
              {jobs.map((j) => (
                <tr key={j.id}>
                  <td data-label={t('jobs.kind')}>{kindLabel(j.kind)}</td>
                  <td data-label={t('jobs.state')}>
                    {t(`job.state.${j.state}` as 'job.state.QUEUED')}
                    {j.error && <span className="error"> {j.error}</span>}
                    {!finalStates.has(j.state) && !j.cancelRequested && (
                      <button
                        type="button"
                        className="link"
                        aria-label={`${t('job.cancel')} #${j.id}`}
                        onClick={async () => {
                          setRefusal(await cancel(j.id));
                          refetch({ requestPolicy: 'network-only' });
                        }}
                      >
                        {t('job.cancel')}
                      </button>
                    )}
                  </td>
                  <td data-label={t('jobs.progress')}>
                    {j.total ? `${formatNumber(j.done)} / ${formatNumber(j.total)}` : formatNumber(j.done)}
                    {j.kind === 'bulk.update' && j.counts != null && <div className="muted">{t('bulk.result', { ...bulkCounts(j.counts) })}</div>}
                  </td>
                  <td data-label={t('jobs.created')}>{formatDateTime(j.createdAt)}</td>
                  <td data-label={t('jobs.file')}>
                    {j.download && (
                      <button type="button" className="link" onClick={() => void downloadJobFile(j.download!.url, j.download!.fileName)}>
                        {j.download.fileName}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
