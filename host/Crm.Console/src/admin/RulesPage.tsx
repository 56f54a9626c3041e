import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { useI18n } from '../i18n';
import { CodeEditor, jumpTo, type Completion, type EditorMark } from './CodeEditor';
import { jsonCaretAt } from './jsonCaret';
import { ruleCompletions } from './ruleCompletion';
import { useCompletionSources } from './completionSources';
import { offsetOfPath, scriptOffset } from './highlight';
import { AdminPage, UserErrors, useAdminTypes, type UserError } from './common';
import { lineAndColumn, parseJson, scriptPosition } from './json';
import { DryRun } from './DryRun';
import { RunLog } from './RunLog';

interface RuleVersion {
  version: number;
  name: string;
  description: string | null;
  trigger: { kind: string; params: unknown };
  condition: unknown;
  actions: { kind: string; params: unknown; timing: unknown; onError: string; retries: number }[];
  scope: unknown;
  allowSelfTrigger: boolean;
  keepWhenStageLeft: boolean;
}

interface Rule {
  id: string;
  entityType: string;
  active: RuleVersion | null;
  draft: RuleVersion | null;
}

const versionFields = `version name description trigger { kind params } condition actions { kind params timing { mode delay } onError retries } scope allowSelfTrigger keepWhenStageLeft`;
const rulesQuery = `query AdminRules { automationRules { id entityType active { ${versionFields} } draft { ${versionFields} } } }`;
const payload = `rule { id entityType active { ${versionFields} } draft { ${versionFields} } } errors { code message path }`;
const createRule = `mutation AdminCreateRule($type: CrmEntityType!, $input: AutomationRuleInput!) { createAutomationRule(entityType: $type, input: $input) { ${payload} } }`;
const updateRule = `mutation AdminUpdateRule($id: ID!, $input: AutomationRuleInput!) { updateAutomationRule(id: $id, input: $input) { ${payload} } }`;
const activateRule = `mutation AdminActivateRule($id: ID!) { activateAutomationRule(id: $id) { ${payload} } }`;
const deactivateRule = `mutation AdminDeactivateRule($id: ID!) { deactivateAutomationRule(id: $id) { ${payload} } }`;

type Payload = { rule: Rule | null; errors: UserError[] };


/** A new rule's first draft, named and commented in the admin's language. */
const starter = (name: string, comment: string) => ({
  name,
  trigger: { kind: 'records.created' },
  condition: null,
  actions: [{ kind: 'timeline.addComment', params: { text: comment } }],
});

/** What the editor shows of a version: the input the API takes, nothing it computed. */
function asInput(v: RuleVersion): unknown {
  return {
    name: v.name,
    description: v.description ?? undefined,
    trigger: v.trigger.params == null ? { kind: v.trigger.kind } : v.trigger,
    condition: v.condition,
    actions: v.actions.map((a) => ({
      kind: a.kind,
      params: a.params ?? undefined,
      timing: a.timing ?? undefined,
      onError: a.onError === 'STOP' ? undefined : a.onError,
      retries: a.retries || undefined,
    })),
    scope: v.scope ?? undefined,
    allowSelfTrigger: v.allowSelfTrigger || undefined,
    keepWhenStageLeft: v.keepWhenStageLeft || undefined,
  };
}

const pretty = (value: unknown) => JSON.stringify(value, null, 2);

export function RulesPage() {
  const { t } = useI18n();
  const types = useAdminTypes();
  const [{ data }, refetch] = useQuery<{ automationRules: Rule[] }>({ query: rulesQuery, requestPolicy: 'cache-and-network' });
  const [selected, setSelected] = useState<string | null>(null);
  const [entityType, setEntityType] = useState('DEAL');
  const [text, setText] = useState(() => pretty(starter(t('admin.rules.new'), t('admin.rules.starterComment'))));
  // The language may arrive after the page (the user's own, with `me`): a new rule's draft still as
  // first written follows it; one the admin has edited is left alone.
  const firstDraft = useRef(text);
  useEffect(() => {
    const next = pretty(starter(t('admin.rules.new'), t('admin.rules.starterComment')));
    const before = firstDraft.current;
    setText((current) => (current === before ? next : current));
    firstDraft.current = next;
  }, [t]);
  const [status, setStatus] = useState<string | null>(null);
  const [errors, setErrors] = useState<UserError[]>([]);
  const [jsonError, setJsonError] = useState<{ error: string; line: number; column: number } | null>(null);
  // The text the errors are about: once it is edited, their places may have moved, and they are no longer marked.
  const [errorsText, setErrorsText] = useState<string | null>(null);
  const editor = useRef<HTMLTextAreaElement>(null);
  const ids = useId();
  const [, create] = useMutation(createRule);
  const [, update] = useMutation(updateRule);
  const [, activate] = useMutation(activateRule);
  const [, deactivate] = useMutation(deactivateRule);
  const sources = useCompletionSources(['admin.rules']);
  const complete = (value: string, caret: number): Completion | null => {
    const at = jsonCaretAt(value, caret);
    if (!at) return null;
    const options = ruleCompletions(at, sources(entityType));
    return { from: at.from, to: at.to, options };
  };

  const rules = data?.automationRules ?? [];
  const rule = rules.find((r) => r.id === selected) ?? null;

  function open(r: Rule | null) {
    setSelected(r?.id ?? null);
    setErrors([]);
    setJsonError(null);
    setStatus(null);
    if (r) setEntityType(r.entityType);
    const version = r?.draft ?? r?.active;
    setText(pretty(version ? asInput(version) : starter(t('admin.rules.new'), t('admin.rules.starterComment'))));
  }

  function apply(result: { data?: Record<string, Payload | undefined>; error?: { message: string } }, field: string, done: string): boolean {
    const answer = result.data?.[field];
    if (result.error) {
      setErrors([{ code: 'ERROR', message: result.error.message, path: [] }]);
      return false;
    }
    if (!answer || answer.errors.length > 0) {
      setErrors(answer?.errors ?? []);
      setErrorsText(text);
      return false;
    }
    setErrors([]);
    setStatus(done);
    if (answer.rule) setSelected(answer.rule.id);
    refetch({ requestPolicy: 'network-only' });
    return true;
  }

  async function save() {
    const parsed = parseJson(text);
    if ('error' in parsed) {
      setJsonError(parsed);
      setErrorsText(text);
      jumpTo(editor.current, parsed.line, parsed.column);
      return;
    }
    setJsonError(null);
    const result = rule
      ? await update({ id: rule.id, input: parsed.value })
      : await create({ type: entityType, input: parsed.value });
    apply(result as never, rule ? 'updateAutomationRule' : 'createAutomationRule', t('admin.saved'));
  }

  const placed = useMemo(() => (errorsText === text ? errors.flatMap((e) => placeOf(text, e)) : []), [errors, errorsText, text]);
  const marks = useMemo<EditorMark[]>(() => {
    const list = placed.map((p) => ({ offset: p.offset, message: p.error.message }));
    if (jsonError && errorsText === text) list.push({ offset: offsetOf(text, jsonError.line, jsonError.column), message: jsonError.error });
    return list;
  }, [placed, jsonError, errorsText, text]);
  const state = rule ? (rule.draft ? t('admin.rules.draft', { version: rule.draft.version }) : rule.active ? t('admin.rules.active', { version: rule.active.version }) : t('admin.rules.inactive')) : null;

  return (
    <AdminPage title={t('admin.automation')} status={status}>
      <div className="admin-columns">
        <div className="form-grid">
          <div className="admin-panel form-grid">
            <div className="admin-row">
              <div className="form-field">
                <label htmlFor={`${ids}-type`}>{t('admin.recordType')}</label>
                <select id={`${ids}-type`} value={entityType} disabled={rule !== null} onChange={(e) => setEntityType(e.target.value)}>
                  {types.map((type) => (
                    <option key={type.name} value={type.name}>
                      {type.pluralLabel}
                    </option>
                  ))}
                </select>
              </div>
              {state && (
                <p className="muted">
                  {t('admin.rules.state')}: <strong>{state}</strong>
                  {rule?.draft && rule.active && <> · {t('admin.rules.active', { version: rule.active.version })}</>}
                </p>
              )}
            </div>
            <label htmlFor={`${ids}-editor`}>{t('admin.rules.editor')}</label>
            <small id={`${ids}-help`} className="muted">
              {t('admin.rules.editorHelp')}
            </small>
            <CodeEditor
              id={`${ids}-editor`}
              value={text}
              onChange={setText}
              marks={marks}
              describedBy={`${ids}-help`}
              editorRef={editor}
              complete={complete}
              completionLabel={t('admin.rules.completions')}
            />
            {jsonError && (
              <p className="problem" role="alert">
                <button type="button" className="link" onClick={() => jumpTo(editor.current, jsonError.line, jsonError.column)}>
                  {t('admin.rules.jsonError', { line: jsonError.line, column: jsonError.column, message: jsonError.error })}
                </button>
              </p>
            )}
            <UserErrors errors={errors.map((e) => ({ ...e, message: withPosition(e.message, t) }))} />
            {placed.length > 0 && (
              <ul className="error-places" aria-label={t('admin.rules.errorPlaces')}>
                {placed.map((p, i) => (
                  <li key={i}>
                    <button type="button" className="link" onClick={() => jumpTo(editor.current, p.line, p.column)}>
                      {t('admin.rules.goTo', { line: p.line, column: p.column })}
                    </button>
                  </li>
                ))}
              </ul>
            )}
            <div className="dialog-actions">
              <button type="button" className="primary" onClick={save}>
                {t('admin.save')}
              </button>
              {rule?.draft && (
                <button type="button" onClick={async () => apply((await activate({ id: rule.id })) as never, 'activateAutomationRule', t('admin.rules.activated'))}>
                  {t('admin.rules.activate')}
                </button>
              )}
              {rule?.active && !rule.draft && (
                <button type="button" onClick={async () => apply((await deactivate({ id: rule.id })) as never, 'deactivateAutomationRule', t('admin.rules.deactivated'))}>
                  {t('admin.rules.deactivate')}
                </button>
              )}
            </div>
          </div>
          {rule && <DryRun ruleId={rule.id} />}
          {rule && <RunLog ruleId={rule.id} />}
        </div>
        <nav className="admin-panel" aria-label={t('admin.rules.rules')}>
          <h2>{t('admin.rules.rules')}</h2>
          <ul className="rule-list">
            <li>
              <button type="button" aria-current={selected === null} onClick={() => open(null)}>
                + {t('admin.rules.new')}
              </button>
            </li>
            {rules.map((r) => {
              const v = r.draft ?? r.active;
              return (
                <li key={r.id}>
                  <button type="button" aria-current={selected === r.id} onClick={() => open(r)}>
                    {v?.name ?? r.id} <span className="badge">{r.active ? 'ACTIVE' : 'DRAFT'}</span> <span className="muted">{r.entityType}</span>
                  </button>
                </li>
              );
            })}
          </ul>
        </nav>
      </div>
    </AdminPage>
  );
}

/** An API message naming a script's line and column, with them said in the console's language. */
function withPosition(message: string, t: ReturnType<typeof useI18n>['t']): string {
  const at = scriptPosition(message);
  return at ? `${message} — ${t('admin.rules.at', at)}` : message;
}

/** The offset of a line and column (from 1) of the text. */
function offsetOf(text: string, line: number, column: number): number {
  const lines = text.split('\n');
  let offset = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) offset += (lines[i]?.length ?? 0) + 1;
  return Math.min(text.length, offset + Math.max(0, column - 1));
}

/**
 * Where in the editor's text an API error is: the value at its path, and in a script (a string)
 * the script's line and column the message names. Nothing when the path is not in the text.
 */
function placeOf(text: string, error: UserError): { error: UserError; offset: number; line: number; column: number }[] {
  const start = error.path && error.path.length > 0 ? offsetOfPath(text, error.path) : null;
  if (start === null) return [];
  const at = scriptPosition(error.message);
  const offset = at && text[start] === '"' ? scriptOffset(text, start, at.line, at.column) : start;
  return [{ error, offset, ...lineAndColumn(text, offset) }];
}
