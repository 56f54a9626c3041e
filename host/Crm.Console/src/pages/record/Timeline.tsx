import { useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';
import { graphql } from '../../gql';
import { useI18n } from '../../i18n';
import type { EntityTypeInfo } from '../../metadata/types';
import { Problem } from '../../components/Problem';

const TimelineQuery = graphql(`
  query ConsoleTimeline($entityType: CrmEntityType!, $entityId: ID!) {
    timeline(entityType: $entityType, entityId: $entityId, first: 50) {
      liveCursor
      edges {
        cursor
        node {
          id kind occurredAt
          actor { kind user { name lastName } }
          ... on TimelineCommentEntry { text }
          ... on TimelineFieldsChangedEntry { changes { field } }
          ... on TimelineStageChangedEntry { toId }
        }
      }
    }
  }
`);

const TimelineEvents = graphql(`
  subscription ConsoleTimelineEvents($entityType: CrmEntityType!, $entityId: ID!, $after: String) {
    timelineEvents(entityType: $entityType, entityId: $entityId, after: $after) {
      cursor
      node {
        id kind occurredAt
        actor { kind user { name lastName } }
        ... on TimelineCommentEntry { text }
        ... on TimelineFieldsChangedEntry { changes { field } }
        ... on TimelineStageChangedEntry { toId }
      }
    }
  }
`);

const AddComment = graphql(`
  mutation ConsoleAddComment($entityType: CrmEntityType!, $entityId: ID!, $text: String!) {
    addComment(entityType: $entityType, entityId: $entityId, text: $text) {
      errors { code message path }
    }
  }
`);

interface Entry {
  id: string;
  kind: string;
  occurredAt: string;
  actor: { kind: string; user?: { name: string; lastName?: string | null } | null };
  text?: string;
  changes?: { field: string }[];
  toId?: string;
}

/**
 * The record's timeline: the latest page, then what is written from then on, live over the
 * WebSocket (subscribed after the page's newest entry, or its live cursor when it is empty, so
 * nothing falls between the two).
 */
export function Timeline({ type, id, stageName }: { type: EntityTypeInfo; id: string; stageName: (stageId: string) => string }) {
  const { t, formatDateTime } = useI18n();
  const variables = { entityType: type.name as never, entityId: id };
  const [page] = useQuery({ query: TimelineQuery, variables, requestPolicy: 'network-only' });
  // A subscription resumes after an entry's id (its events' cursor), not after a page's cursor; an
  // empty page gives the timeline's last id as it was read, so an entry written meanwhile still comes.
  const newest = page.data?.timeline.edges[0]?.node.id ?? page.data?.timeline.liveCursor ?? null;
  const [live, setLive] = useState<Entry[]>([]);
  const [{ error: liveError }] = useSubscription(
    { query: TimelineEvents, variables: { ...variables, after: newest }, pause: !page.data },
    (_, event) => {
      const node = event.timelineEvents.node as Entry;
      setLive((previous) => (previous.some((e) => e.id === node.id) ? previous : [node, ...previous]));
      return event;
    },
  );
  useEffect(() => setLive([]), [newest]);

  const entries = useMemo(() => {
    const loaded = (page.data?.timeline.edges ?? []).map((e) => e.node as Entry);
    const seen = new Set(live.map((e) => e.id));
    return [...live, ...loaded.filter((e) => !seen.has(e.id))];
  }, [page.data, live]);

  const describe = (entry: Entry) => {
    const actor = entry.actor.user ? [entry.actor.user.name, entry.actor.user.lastName].filter(Boolean).join(' ') : t('timeline.someone');
    switch (entry.kind) {
      case 'created':
        return t('timeline.created', { actor });
      case 'fieldsChanged': {
        const labels = (entry.changes ?? []).map((c) => type.fields.find((f) => f.name === c.field)?.label ?? c.field);
        return t('timeline.fieldsChanged', { actor, fields: labels.join(', ') });
      }
      case 'stageChanged':
        return t('timeline.stageChanged', { actor, stage: entry.toId ? stageName(entry.toId) : '' });
      case 'converted':
        return t('timeline.converted', { actor });
      case 'deleted':
        return t('timeline.deleted', { actor });
      case 'comment':
        return t('timeline.comment', { actor });
      default:
        return t('timeline.other', { actor, kind: entry.kind });
    }
  };

  return (
    <section className="timeline" aria-labelledby="timeline-heading">
      <h2 id="timeline-heading">
        {t('record.timeline')}{' '}
        {!liveError && page.data && (
          <span className="badge live" title={t('record.live')}>
            {t('record.live')}
          </span>
        )}
      </h2>
      {liveError && <p className="muted">{t('record.liveStopped', { message: liveError.message })}</p>}
      <CommentForm type={type} id={id} />
      {page.error && <Problem message={page.error.message} />}
      <ol className="entries" aria-live="polite">
        {entries.map((entry) => (
          <li key={entry.id} className={`entry entry-${entry.kind}`}>
            <span className="entry-what">{describe(entry)}</span>
            <time dateTime={entry.occurredAt}>{formatDateTime(entry.occurredAt)}</time>
            {entry.text && <p className="entry-text">{entry.text}</p>}
          </li>
        ))}
      </ol>
    </section>
  );
}

function CommentForm({ type, id }: { type: EntityTypeInfo; id: string }) {
  const { t } = useI18n();
  const inputId = useId();
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [{ fetching }, addComment] = useMutation(AddComment);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!text.trim()) return;
    const result = await addComment({ entityType: type.name as never, entityId: id, text });
    const refused = result.error?.message ?? result.data?.addComment.errors[0]?.message;
    setError(refused ?? null);
    if (!refused) setText('');
  }

  return (
    <form className="comment-form" onSubmit={submit}>
      <label htmlFor={inputId}>{t('record.addComment')}</label>
      <textarea id={inputId} value={text} rows={2} maxLength={10000} onChange={(e) => setText(e.target.value)} aria-invalid={!!error || undefined} />
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" disabled={fetching || !text.trim()}>
        {t('record.send')}
      </button>
    </form>
  );
}
