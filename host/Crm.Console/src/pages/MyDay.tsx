import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { Link } from 'wouter';
import { graphql } from '../gql';
import { useI18n } from '../i18n';
import { recordPath } from '../metadata/entityTypes';
import { Problem } from '../components/Problem';

const MyActivities = graphql(`
  query MyDay($first: Int, $after: String) {
    myActivities(planned: true, first: $first, after: $after) {
      nodes {
        id
        typeId
        subject
        deadline
        priority
        bindings {
          entityType
          id
          record {
            __typename
            ... on Deal { title }
            ... on Lead { title }
            ... on Company { title }
            ... on Contact { name lastName }
          }
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

const CompleteActivity = graphql(`
  mutation CompleteActivity($id: ID!) {
    completeActivity(id: $id) {
      errors { code message }
    }
  }
`);

const pageSize = 50;

type Binding = { entityType: string; id: string; record?: { __typename?: string; title?: string; name?: string; lastName?: string | null } | null };

function bindingTitle(b: Binding): string {
  const r = b.record;
  if (!r) return `${b.entityType} ${b.id}`;
  return r.title ?? [r.name, r.lastName].filter(Boolean).join(' ');
}

export function MyDayPage() {
  const { t } = useI18n();
  const [pages, setPages] = useState<(string | null)[]>([null]);
  return (
    <section className="page my-day">
      <h1>{t('myDay.title')}</h1>
      <ul className="agenda">
        {pages.map((after, index) => (
          <AgendaPage key={after ?? 'first'} after={after} last={index === pages.length - 1} onMore={(cursor) => setPages([...pages, cursor])} />
        ))}
      </ul>
    </section>
  );
}

function AgendaPage({ after, last, onMore }: { after: string | null; last: boolean; onMore: (cursor: string) => void }) {
  const { t, formatDateTime } = useI18n();
  const [result, reexecute] = useQuery({ query: MyActivities, variables: { first: pageSize, after } });
  const [, complete] = useMutation(CompleteActivity);
  if (result.error) return <li><Problem message={result.error.message} onRetry={() => reexecute({ requestPolicy: 'network-only' })} /></li>;
  const connection = result.data?.myActivities;
  if (!connection) return <li className="loading">{t('app.loading')}</li>;
  const now = Date.now();
  return (
    <>
      {connection.nodes.length === 0 && after === null && <li className="empty">{t('myDay.empty')}</li>}
      {connection.nodes.map((a) => {
        const overdue = a.deadline != null && Date.parse(a.deadline) < now;
        return (
          <li key={a.id} className={overdue ? 'agenda-item overdue' : 'agenda-item'}>
            <span className={`kind kind-${a.typeId.toLowerCase()}`}>{a.typeId}</span>
            <div className="agenda-main">
              <strong>{a.subject}</strong>
              <span className="agenda-when">
                {overdue && <span className="badge danger">{t('myDay.overdue')}</span>}{' '}
                {a.deadline ? t('myDay.due', { time: formatDateTime(a.deadline) }) : t('myDay.noDeadline')}
              </span>
              <span className="agenda-records">
                {a.bindings.map((b) => (
                  <Link key={`${b.entityType}:${b.id}`} href={recordPath(b.entityType, b.id)}>
                    {bindingTitle(b as Binding)}
                  </Link>
                ))}
              </span>
            </div>
            <button
              type="button"
              onClick={async () => {
                await complete({ id: a.id });
                reexecute({ requestPolicy: 'network-only' });
              }}
            >
              {t('myDay.complete')}
            </button>
          </li>
        );
      })}
      {last && connection.pageInfo.hasNextPage && connection.pageInfo.endCursor && (
        <li>
          <button type="button" onClick={() => onMore(connection.pageInfo.endCursor!)}>
            {t('myDay.more')}
          </button>
        </li>
      )}
    </>
  );
}
