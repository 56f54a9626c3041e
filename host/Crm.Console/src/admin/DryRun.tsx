import { useId, useState, type FormEvent } from 'react';
import { useClient } from 'urql';
import { useI18n } from '../i18n';

interface RuleTest {
  status: string;
  reason: string | null;
  inScope: boolean;
  conditionResult: boolean | null;
  steps: { index: number; kind: string; status: string; message: string | null; changes: unknown }[];
  log: string[];
  errors: { step: number | null; code: string; message: string; line: number | null; column: number | null }[];
}

const testQuery = `query AdminTestRule($id: ID!, $record: ID!) {
  testRule(ruleId: $id, recordId: $record) { status reason inScope conditionResult steps { index kind status message changes } log errors { step code message line column } }
}`;

/** The rule's draft (else its active version) run on a chosen record, its writes rolled back: what it would do. */
export function DryRun({ ruleId }: { ruleId: string }) {
  const { t } = useI18n();
  const client = useClient();
  const id = useId();
  const [record, setRecord] = useState('');
  const [result, setResult] = useState<{ record: string; test: RuleTest } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  async function run(e: FormEvent) {
    e.preventDefault();
    const answer = await client.query<{ testRule: RuleTest }>(testQuery, { id: ruleId, record: record.trim() }, { requestPolicy: 'network-only' }).toPromise();
    if (answer.error || !answer.data) {
      setProblem(answer.error?.message ?? t('app.noAnswer'));
      setResult(null);
    } else {
      setProblem(null);
      setResult({ record: record.trim(), test: answer.data.testRule });
    }
  }

  return (
    <section className="admin-panel dry-run" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>{t('admin.rules.dryRun')}</h2>
      <form className="admin-row" onSubmit={run}>
        <div className="form-field">
          <label htmlFor={`${id}-record`}>{t('admin.rules.dryRunRecord')}</label>
          <input id={`${id}-record`} inputMode="numeric" value={record} onChange={(e) => setRecord(e.target.value)} required />
        </div>
        <button type="submit">{t('admin.rules.dryRun')}</button>
      </form>
      {problem && (
        <p className="problem" role="alert">
          {problem}
        </p>
      )}
      {result && (
        <div aria-live="polite" data-testid="dry-run-result">
          <p>
            <strong>{t('admin.rules.dryRunResult', { id: result.record, status: result.test.status })}</strong>
            {result.test.reason && <> — {result.test.reason}</>}
          </p>
          <p>{t('admin.rules.condition', { result: String(result.test.conditionResult ?? '—') })}</p>
          <ol>
            {result.test.steps.map((s) => (
              <li key={s.index}>
                {t('admin.rules.step', { index: s.index + 1, kind: s.kind, status: s.status })}
                {s.message && <> — {s.message}</>}
                {s.changes != null && JSON.stringify(s.changes) !== '[]' && JSON.stringify(s.changes) !== '{}' && (
                  <>
                    <div className="muted">{t('admin.rules.changes')}</div>
                    <pre>{JSON.stringify(s.changes, null, 2)}</pre>
                  </>
                )}
              </li>
            ))}
          </ol>
          {result.test.errors.length > 0 && (
            <ul className="problem" role="alert">
              {result.test.errors.map((err, i) => (
                <li key={i}>
                  {err.code}: {err.message}
                  {err.line != null && <> ({t('admin.rules.at', { line: err.line, column: err.column ?? 0 })})</>}
                </li>
              ))}
            </ul>
          )}
          {result.test.log.length > 0 && (
            <>
              <div className="muted">{t('admin.rules.log')}</div>
              <pre>{result.test.log.join('\n')}</pre>
            </>
          )}
        </div>
      )}
    </section>
  );
}
