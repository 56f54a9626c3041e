import { useEffect, useState } from 'react';
import { useClient, useSubscription } from 'urql';
import { accessToken } from '../api/session';
import { graphql } from '../gql';
import { useI18n } from '../i18n';

// A background job (an export, an import, a bulk action) followed live, cancelled, and its file fetched with the token.

const JobProgress = graphql(`
  subscription ConsoleJobProgress($id: ID!) {
    jobProgress(id: $id) {
      id kind state done total counts errorCode error
      download { url fileName contentType expiresAt }
    }
  }
`);

const CancelJob = graphql(`
  mutation ConsoleCancelJob($id: ID!) {
    cancelJob(id: $id) {
      job { id state cancelRequested }
      errors { code message }
    }
  }
`);

export interface JobView {
  id: string;
  kind: string;
  state: string;
  done: number;
  total?: number | null;
  counts: unknown;
  errorCode?: string | null;
  error?: string | null;
  download?: { url: string; fileName: string; contentType?: string | null; expiresAt: string } | null;
}

export const finalStates = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/** A bulk action's counts (a bulk.update job's counts): records written, left as they were (opened or closed already), refused. */
export interface BulkCounts {
  done: number;
  unchanged: number;
  refused: number;
}

export function bulkCounts(counts: unknown): BulkCounts {
  const c = (counts ?? {}) as Partial<BulkCounts>;
  return { done: c.done ?? 0, unchanged: c.unchanged ?? 0, refused: c.refused ?? 0 };
}

/** The job as it is, then as it changes (the jobProgress subscription), until it ends. */
export function useJob(id: string | null): JobView | null {
  const [result] = useSubscription({ query: JobProgress, variables: { id: id ?? '' }, pause: !id });
  return id ? ((result.data?.jobProgress as JobView | undefined) ?? null) : null;
}

/**
 * A job's file as the host serves it. The link needs the owner's Bearer token, which a plain link
 * cannot send: the file is fetched with it and handed to the browser as a blob.
 */
export async function fetchJobFile(url: string): Promise<Blob> {
  const token = await accessToken();
  const response = await fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
  return response.blob();
}

export async function downloadJobFile(url: string, fileName: string): Promise<void> {
  const blob = await fetchJobFile(url);
  const href = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = href;
  anchor.download = fileName;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  // The browser has taken the blob once the click ran; the address is freed a moment later.
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}

/**
 * Asks the API to cancel a job (a queued one ends at once, a running one when its host sees the
 * request): answers the API's refusal, or null.
 */
export function useCancelJob(): (id: string) => Promise<string | null> {
  const client = useClient();
  return async (id) => {
    const result = await client.mutation(CancelJob, { id }).toPromise();
    const refusal = result.error?.message ?? result.data?.cancelJob.errors[0]?.message;
    return refusal ?? null;
  };
}

/** A job's state and progress as a line a person reads (announced to screen readers as it changes), and while it runs a way to cancel it. */
export function JobStatus({ job }: { job: JobView | null }) {
  const { t, formatNumber } = useI18n();
  const cancel = useCancelJob();
  const [cancelling, setCancelling] = useState(false);
  const [refusal, setRefusal] = useState<string | null>(null);
  if (!job) return <p role="status">{t('job.starting')}</p>;
  const progress = job.total ? `${formatNumber(job.done)} / ${formatNumber(job.total)}` : formatNumber(job.done);
  const running = !finalStates.has(job.state);
  return (
    <div className="job-status">
      <p role="status" data-state={job.state}>
        {t(`job.state.${job.state}` as 'job.state.QUEUED')} · {progress}
      </p>
      {job.total ? <progress max={job.total} value={job.done} aria-label={t('job.progress')} /> : null}
      {running && (
        <button
          type="button"
          disabled={cancelling}
          onClick={async () => {
            setCancelling(true);
            const refused = await cancel(job.id);
            setRefusal(refused);
            // Accepted: the button waits for the job's final state (the subscription brings it).
            if (refused) setCancelling(false);
          }}
        >
          {cancelling ? t('job.cancelling') : t('job.cancel')}
        </button>
      )}
      {refusal && (
        <p className="error" role="alert">
          {refusal}
        </p>
      )}
      {job.state === 'FAILED' && (
        <p className="error" role="alert">
          {job.errorCode}: {job.error}
        </p>
      )}
    </div>
  );
}

/** Calls back once when the job reaches a final state. */
export function useJobEnd(job: JobView | null, onEnd: (job: JobView) => void): void {
  const [ended, setEnded] = useState<string | null>(null);
  useEffect(() => {
    if (job && finalStates.has(job.state) && ended !== job.id) {
      setEnded(job.id);
      onEnd(job);
    }
  }, [job, ended, onEnd]);
}
