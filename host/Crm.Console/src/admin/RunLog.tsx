import { useId } from 'react';
import { useQuery } from 'urql';
import { useI18n } from '../i18n';

interface Run {
  id: string;
  entityType: string;
  entityId: string;
  eventType: string;
  status: string;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
}

const runsQuery = `query AdminRuleRuns($id: ID!) { automationRuns(where: { ruleId: $id }, first: 20) { id entityType entityId eventType status error startedAt finishedAt } }`;

/** The rule's latest runs, newest first. */
export function RunLog({ ruleId }: { ruleId: string }) {
  const { t, formatDateTime } = useI18n();
  const id = useId();
  const [{ data }, refetch] = useQuery<{ automationRuns: Run[] }>({ query: runsQuery, variables: { id: ruleId }, requestPolicy: 'network-only' });
  const runs = data?.automationRuns ?? [];
  return (
    <section className="admin-panel runs" aria-labelledby={`${id}-h`}>
      <div className="admin-row">
        <h2 id={`${id}-h`}>{t('admin.rules.runs')}</h2>
        <button type="button" onClick={() => refetch({ requestPolicy: 'network-only' })}>
          {t('admin.reload')}
        </button>
      </div>
      {runs.length === 0 ? (
        <p className="muted">{t('admin.rules.noRuns')}</p>
      ) : (
        <ol aria-label={t('admin.rules.runs')}>
          {runs.map((r) => (
            <li key={r.id}>
              {t('admin.rules.run', { id: r.id, record: `${r.entityType} ${r.entityId}`, status: r.status })} <span className="muted">{formatDateTime(r.startedAt)} · {r.eventType}</span>
              {r.error && <div className="error">{r.error}</div>}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
