// What a business process step's parameters take, for the step form's completion (README, Business
// processes: a step's kind, its params). An action step's params are a rule's action ({ kind, params })
// and an `if` or a condition wait holds a rule's condition tree, so those are completed as in a rule.

import type { CompletionOption } from './CodeEditor';
import type { JsonCaret, JsonFrame } from './jsonCaret';
import { rank, ruleCompletions, type RuleCompletionSources } from './ruleCompletion';

/** The keys of each kind's params. */
const keysOfKind: Record<string, string[]> = {
  action: ['kind', 'params'],
  script: ['source'],
  if: ['condition'],
  switch: ['field'],
  join: ['split'],
  loop: ['max'],
  subProcess: ['processId'],
  wait: ['on', 'name', 'condition', 'delay', 'notify'],
  approval: ['assignees', 'roles', 'departmentHead', 'mode', 'title', 'timeout'],
};

/** The values of keys that take one of a few. */
const valuesOfKey: Record<string, Record<string, string[]>> = {
  wait: { on: ['signal', 'condition', 'timer', 'webhook'] },
  approval: { mode: ['any', 'all', 'majority'] },
};

export interface ProcessContext {
  /** The graph's other steps, for a join's split. */
  steps: { id: string; kind: string }[];
  /** The processes of the record type, for a sub-process. */
  processes: { id: string; name: string }[];
}

export function processStepCompletions(caret: JsonCaret, kind: string, sources: RuleCompletionSources, context: ProcessContext): CompletionOption[] {
  const p = caret.path;
  const taken = caret.frames[caret.frames.length - 1]?.keys ?? new Set<string>();
  if (caret.role === 'key' && p.length === 0) {
    const names = (keysOfKind[kind] ?? []).filter((n) => n === caret.editedKey || !taken.has(n));
    return rank(names.map((n) => ({ label: n, detail: sources.describe(n), insert: `${JSON.stringify(n)}${caret.colonFollows ? '' : ': '}` })), caret.prefix);
  }
  // An action step's params are a rule's first action; its kind and parameters are completed as there.
  if (kind === 'action') return ruleCompletions(shifted(caret, ['actions', 0]), sources);
  if ((kind === 'if' || kind === 'wait') && p[0] === 'condition') return ruleCompletions(caret, sources);
  if (caret.role !== 'value' || p.length !== 1) return [];
  const key = String(p[0]);
  const text = (values: string[], detail?: (v: string) => string | undefined) => values.map((v) => ({ label: v, detail: detail?.(v), insert: JSON.stringify(v) }));
  if (kind === 'switch' && key === 'field') return ruleCompletions({ ...caret, path: ['condition', 'field'] }, sources);
  if (kind === 'approval' && key === 'departmentHead') return rank(['true', 'false'].map((v) => ({ label: v, insert: v })), caret.prefix);
  if (kind === 'join' && key === 'split') return rank(text(context.steps.filter((s) => s.kind === 'split').map((s) => s.id)), caret.prefix);
  if (kind === 'subProcess' && key === 'processId') {
    return rank(context.processes.map((x) => ({ label: x.id, detail: x.name, insert: /^\d+$/.test(x.id) ? x.id : JSON.stringify(x.id) })), caret.prefix);
  }
  const values = valuesOfKey[kind]?.[key];
  return values ? rank(text(values), caret.prefix) : [];
}

/** The caret as if the params object stood at `prefix` of a rule (frames for the levels above it, empty). */
function shifted(caret: JsonCaret, prefix: (string | number)[]): JsonCaret {
  const above: JsonFrame[] = prefix.map((_, i) => ({ kind: typeof prefix[i] === 'number' ? 'array' : 'object', path: prefix.slice(0, i), keys: new Set(), strings: new Map(), children: new Map() }));
  return {
    ...caret,
    path: [...prefix, ...caret.path],
    frames: [...above, ...caret.frames.map((f) => ({ ...f, path: [...prefix, ...f.path] }))],
  };
}
