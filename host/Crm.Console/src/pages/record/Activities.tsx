import { useId, useMemo, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../../gql';
import { useI18n, type MessageKey } from '../../i18n';
import type { EntityTypeInfo } from '../../metadata/types';

const CreateActivity = graphql(`
  mutation ConsolePlanActivity($input: CreateActivityInput!) {
    createActivity(input: $input) {
      activity { id }
      errors { code message path }
    }
  }
`);

interface Activity {
  id: string;
  typeId: string;
  subject: string;
  deadline: string | null;
}

const quickKinds: { typeId: string; label: MessageKey }[] = [
  { typeId: 'CALL', label: 'record.planCall' },
  { typeId: 'MEETING', label: 'record.planMeeting' },
  { typeId: 'TODO', label: 'record.planTodo' },
];

/** The record's planned activities, and a quick "plan a call / meeting / to-do" bound to it. */
export function Activities({ type, id }: { type: EntityTypeInfo; id: string }) {
  const { t, formatDateTime } = useI18n();
  const query = useMemo(
    () => `query ConsoleRecordActivities($id: ID!) { record: ${type.recordField}(id: $id) { id activities(planned: true, first: 50) { id typeId subject deadline } } }`,
    [type.recordField],
  );
  const [result, reexecute] = useQuery<{ record: { activities: Activity[] } | null }>({ query, variables: { id }, requestPolicy: 'cache-and-network' });
  const [planning, setPlanning] = useState<string | null>(null);
  // A type without activities (a plugin's) says so in an error: the section is left out.
  if (result.error) return null;
  const activities = result.data?.record?.activities ?? [];
  return (
    <section className="activities" aria-labelledby="activities-heading">
      <h2 id="activities-heading">{t('record.activities')}</h2>
      <div className="quick-plan">
        {quickKinds.map((k) => (
          <button key={k.typeId} type="button" aria-pressed={planning === k.typeId} onClick={() => setPlanning(planning === k.typeId ? null : k.typeId)}>
            {t(k.label)}
          </button>
        ))}
      </div>
      {planning && (
        <PlanForm
          type={type}
          id={id}
          typeId={planning}
          onDone={() => {
            setPlanning(null);
            reexecute({ requestPolicy: 'network-only' });
          }}
        />
      )}
      {activities.length === 0 ? (
        <p className="empty">{t('record.noActivities')}</p>
      ) : (
        <ul className="activity-list">
          {activities.map((a) => (
            <li key={a.id}>
              <span className={`kind kind-${a.typeId.toLowerCase()}`}>{a.typeId}</span> {a.subject}
              {a.deadline && <time dateTime={a.deadline}> · {formatDateTime(a.deadline)}</time>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function PlanForm({ type, id, typeId, onDone }: { type: EntityTypeInfo; id: string; typeId: string; onDone: () => void }) {
  const { t } = useI18n();
  const baseId = useId();
  const [subject, setSubject] = useState('');
  const [deadline, setDeadline] = useState('');
  const [errors, setErrors] = useState<{ field: string; message: string }[]>([]);
  const [{ fetching }, create] = useMutation(CreateActivity);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const result = await create({
      input: {
        typeId,
        subject,
        deadline: deadline ? new Date(deadline).toISOString() : null,
        bindings: [{ entityType: type.name as never, id }],
      },
    });
    const refused = result.data?.createActivity.errors ?? [];
    if (result.error) setErrors([{ field: '', message: result.error.message }]);
    else if (refused.length) setErrors(refused.map((r) => ({ field: r.path[r.path.length - 1] ?? '', message: r.message })));
    else onDone();
  }
  const at = (field: string) => errors.filter((e) => e.field === field).map((e) => e.message).join(' ');

  return (
    <form className="plan-form" onSubmit={submit} noValidate>
      <label htmlFor={`${baseId}-subject`}>{t('record.subject')}</label>
      <input id={`${baseId}-subject`} value={subject} onChange={(e) => setSubject(e.target.value)} aria-invalid={!!at('subject') || undefined} autoFocus />
      {at('subject') && <p className="error">{at('subject')}</p>}
      <label htmlFor={`${baseId}-deadline`}>{t('record.deadline')}</label>
      <input id={`${baseId}-deadline`} type="datetime-local" value={deadline} onChange={(e) => setDeadline(e.target.value)} aria-invalid={!!at('deadline') || undefined} />
      {at('deadline') && <p className="error">{at('deadline')}</p>}
      {errors.some((e) => !['subject', 'deadline'].includes(e.field)) && (
        <p className="error" role="alert">
          {errors.filter((e) => !['subject', 'deadline'].includes(e.field)).map((e) => e.message).join(' ')}
        </p>
      )}
      <button type="submit" className="primary" disabled={fetching}>
        {t('record.plan')}
      </button>
    </form>
  );
}
