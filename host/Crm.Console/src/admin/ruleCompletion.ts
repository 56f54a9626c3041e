// What each place of a rule's JSON takes, for the editor's completion: the keys of the rule, its
// trigger, actions and condition; the kinds of the catalog that apply to the rule's record type; a
// kind's parameters and the values their types take (fields, stages, list items, record types,
// allowed values). All of it comes from the API (automationCatalog, entityTypes, selectionLists), so
// a plugin's kinds, record types and custom fields are offered with no change here.

import type { EntityFieldInfo, EntityTypeInfo } from '../metadata/types';
import type { CompletionOption } from './CodeEditor';
import type { JsonCaret, JsonFrame } from './jsonCaret';

export interface CatalogParameter {
  name: string;
  type: string;
  description: string;
  required: boolean;
  allowedValues: string[] | null;
  recordTypeFrom: string | null;
}

export interface CatalogKind {
  name: string;
  description: string;
  appliesTo: string[];
  parameters: CatalogParameter[];
}

export interface AutomationCatalog {
  triggers: CatalogKind[];
  actions: CatalogKind[];
}

export interface ListItems {
  entityId: string;
  items: { id: string; name: string }[];
}

export interface RuleCompletionSources {
  catalog: AutomationCatalog | null;
  /** The rule's record type. */
  entityType: string;
  types: EntityTypeInfo[];
  lists: ListItems[];
  /** The descriptions of the rule's own keys, in the console's language. */
  describe: (key: string) => string;
}

export const ruleKeys = ['name', 'description', 'trigger', 'condition', 'actions', 'runAsUserId', 'scope', 'allowSelfTrigger', 'keepWhenStageLeft'];
const stepKeys = ['kind', 'params'];
const actionKeys = ['kind', 'params', 'timing', 'onError', 'retries'];
const timingKeys = ['mode', 'delay', 'field', 'timeOfDay', 'workingHoursOnly'];
const conditionKeys = ['all', 'any', 'not', 'field', 'op', 'value', 'script', 'workingHours'];
const workingHoursKeys = ['days', 'from', 'to', 'timeZone'];
const operators = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'nin', 'contains', 'empty', 'notEmpty', 'inRange', 'changed', 'changedTo', 'changedFrom', 'wasEqual'];
const timingModes = ['IMMEDIATELY', 'AFTER_DELAY', 'BEFORE_FIELD', 'AFTER_FIELD', 'AT_TIME_OF_DAY'];
const errorPolicies = ['STOP', 'CONTINUE', 'RETRY'];
const days = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'];
const booleanKeys = new Set(['allowSelfTrigger', 'keepWhenStageLeft', 'workingHoursOnly']);

/** What may go where the caret is, best matches of what is typed first. */
export function ruleCompletions(caret: JsonCaret, sources: RuleCompletionSources): CompletionOption[] {
  const options = caret.role === 'key' ? keysAt(caret, sources) : valuesAt(caret, sources);
  return rank(options, caret.prefix);
}

function keysAt(caret: JsonCaret, sources: RuleCompletionSources): CompletionOption[] {
  const p = caret.path;
  const taken = caret.frames[caret.frames.length - 1]?.keys ?? new Set<string>();
  const key = (name: string, detail?: string): CompletionOption => ({
    label: name,
    detail,
    insert: `${JSON.stringify(name)}${caret.colonFollows ? '' : ': '}`,
  });
  const fresh = (names: string[], detail?: (name: string) => string | undefined) =>
    names.filter((n) => n === caret.editedKey || !taken.has(n)).map((n) => key(n, detail?.(n)));
  if (p.length === 0) return fresh(ruleKeys, sources.describe);
  if (p.length === 1 && p[0] === 'trigger') return fresh(stepKeys, sources.describe);
  if (p.length === 2 && p[0] === 'actions') return fresh(actionKeys, sources.describe);
  if (p.length === 3 && p[0] === 'actions' && p[2] === 'timing') return fresh(timingKeys, sources.describe);
  if (p[0] === 'condition') {
    if (p[p.length - 1] === 'workingHours') return fresh(workingHoursKeys, sources.describe);
    return fresh(conditionKeys, sources.describe);
  }
  if (p[0] === 'scope' && p.length === 1) {
    const type = typeOf(sources, sources.entityType);
    return fresh(type?.permissionPartitions ?? []);
  }
  const step = stepAt(caret, sources);
  if (step && step.paramsDepth === p.length) return fresh(step.kind.parameters.map((x) => x.name), (n) => describeParameter(step.kind.parameters.find((x) => x.name === n)!));
  // The fields of a FIELD_VALUES parameter: the keys of its object.
  if (step && step.paramsDepth === p.length - 1) {
    const parameter = step.kind.parameters.find((x) => x.name === p[p.length - 1]);
    if (parameter?.type === 'FIELD_VALUES') {
      const type = typeOf(sources, recordTypeOf(parameter, caret.frames[step.paramsDepth], sources));
      return writableFields(type).filter((f) => f.name === caret.editedKey || !taken.has(f.name)).map((f) => key(f.name, fieldDetail(f)));
    }
  }
  return [];
}

function valuesAt(caret: JsonCaret, sources: RuleCompletionSources): CompletionOption[] {
  const p = caret.path;
  const last = p[p.length - 1];
  const text = (values: string[], detail?: (value: string) => string | undefined) => values.map((v) => ({ label: v, detail: detail?.(v), insert: JSON.stringify(v) }));
  const literal = (values: string[]) => values.map((v) => ({ label: v, insert: v }));
  if (typeof last === 'string' && booleanKeys.has(last)) return literal(['true', 'false']);
  if (p.length === 2 && p[0] === 'trigger' && last === 'kind') return kinds(sources.catalog?.triggers ?? [], sources.entityType);
  if (p.length === 3 && p[0] === 'actions' && last === 'kind') return kinds(sources.catalog?.actions ?? [], sources.entityType);
  if (p.length === 3 && p[0] === 'actions' && last === 'onError') return text(errorPolicies);
  if (p.length === 4 && p[0] === 'actions' && p[2] === 'timing') {
    if (last === 'mode') return text(timingModes);
    if (last === 'field') return fieldValues(typeOf(sources, sources.entityType)?.fields.filter((f) => f.type === 'DATE' || f.type === 'DATETIME') ?? []);
  }
  if (p[0] === 'condition') {
    const type = typeOf(sources, sources.entityType);
    if (last === 'field') return fieldValues(type?.fields ?? []);
    if (last === 'op') return text(operators);
    if (last === 'value') {
      const field = type?.fields.find((f) => f.name === caret.frames[caret.frames.length - 1]?.strings.get('field'));
      return field ? itemValues(field, sources, scopeOf(caret, sources)) : [];
    }
    if (p[p.length - 2] === 'days') return text(days);
    return [];
  }
  if (p[0] === 'scope' && p.length === 2 && typeof last === 'string') {
    const field = typeOf(sources, sources.entityType)?.fields.find((f) => f.name === last);
    return field ? itemValues(field, sources, scopeOf(caret, sources)) : [];
  }
  const step = stepAt(caret, sources);
  if (!step) return [];
  // A parameter's value, or (in a list parameter) one of its items.
  const name = step.paramsDepth === p.length - 1 ? last : step.paramsDepth === p.length - 2 && typeof last === 'number' ? p[p.length - 2] : undefined;
  const parameter = step.kind.parameters.find((x) => x.name === name);
  // frames[k] is the object or array at a path of length k: the params object is at the step's depth.
  const params = caret.frames[step.paramsDepth];
  if (parameter) return parameterValues(parameter, params, sources, scopeOf(caret, sources));
  // A field's value inside FIELD_VALUES.
  if (step.paramsDepth === p.length - 2) {
    const fieldValuesParameter = step.kind.parameters.find((x) => x.name === p[p.length - 2] && x.type === 'FIELD_VALUES');
    if (fieldValuesParameter) {
      const type = typeOf(sources, recordTypeOf(fieldValuesParameter, params, sources));
      const field = type?.fields.find((f) => f.name === last);
      return field ? itemValues(field, sources, scopeOf(caret, sources)) : [];
    }
  }
  return [];
}

/** The step (trigger or action) whose params hold the caret, and how deep its params object is. */
function stepAt(caret: JsonCaret, sources: RuleCompletionSources): { kind: CatalogKind; paramsDepth: number } | null {
  const p = caret.path;
  let depth: number;
  let catalog: CatalogKind[];
  if (p[0] === 'trigger' && p[1] === 'params') {
    depth = 2;
    catalog = sources.catalog?.triggers ?? [];
  } else if (p[0] === 'actions' && typeof p[1] === 'number' && p[2] === 'params') {
    depth = 3;
    catalog = sources.catalog?.actions ?? [];
  } else return null;
  if (p.length < depth) return null;
  // The frame of the step itself holds its kind (frames: the rule, [actions,] the step, its params ...).
  const stepFrame = caret.frames[depth - 1];
  const kind = catalog.find((k) => k.name === stepFrame?.strings.get('kind'));
  return kind ? { kind, paramsDepth: depth } : null;
}

function parameterValues(parameter: CatalogParameter, params: JsonFrame | undefined, sources: RuleCompletionSources, scoped?: string): CompletionOption[] {
  const text = (values: string[], detail?: (value: string) => string | undefined) => values.map((v) => ({ label: v, detail: detail?.(v), insert: JSON.stringify(v) }));
  if (parameter.allowedValues && parameter.allowedValues.length > 0) return text(parameter.allowedValues);
  const type = typeOf(sources, sources.entityType);
  switch (parameter.type) {
    case 'BOOLEAN':
      return ['true', 'false'].map((v) => ({ label: v, insert: v }));
    case 'ENTITY_TYPE':
      return text(
        sources.types.map((t) => t.name),
        (name) => typeOf(sources, name)?.label,
      );
    case 'FIELD':
      return fieldValues(typeOf(sources, recordTypeOf(parameter, params, sources))?.fields ?? []);
    case 'STAGE': {
      const stage = type?.fields.find((f) => f.name === type.stageField) ?? type?.fields.find((f) => f.selectionList !== null && /STAGE|STATUS/.test(f.selectionList));
      return stage ? itemValues(stage, sources, scoped) : [];
    }
    default:
      return [];
  }
}

function kinds(catalog: CatalogKind[], entityType: string): CompletionOption[] {
  return catalog.filter((k) => k.appliesTo.length === 0 || k.appliesTo.includes(entityType)).map((k) => ({ label: k.name, detail: k.description, insert: JSON.stringify(k.name) }));
}

function fieldValues(fields: EntityFieldInfo[]): CompletionOption[] {
  return fields.map((f) => ({ label: f.name, detail: fieldDetail(f), insert: JSON.stringify(f.name) }));
}

/** The values a field takes that can be listed: its list's items (every pipeline's stages for a family) or its choices. */
function itemValues(field: EntityFieldInfo, sources: RuleCompletionSources, scoped?: string): CompletionOption[] {
  if (field.type === 'BOOLEAN') return ['true', 'false'].map((v) => ({ label: v, insert: v }));
  const items = field.options.length > 0 ? field.options.map((o) => ({ id: o.id, name: o.value })) : listItems(field.selectionList, sources, scoped);
  // Choices' ids are numbers, list items' text.
  return items.map((item) => ({ label: item.id, detail: item.name, insert: field.options.length > 0 && /^\d+$/.test(item.id) ? item.id : JSON.stringify(item.id) }));
}

/**
 * A family's items (every pipeline's stages), or with the rule scoped to one partition (`scope: { pipelineId: 3 }`)
 * that one's list (DEAL_STAGE_3; the family's own list for the default, 0).
 */
function listItems(family: string | null, sources: RuleCompletionSources, scoped?: string): { id: string; name: string }[] {
  if (!family) return [];
  const lists = sources.lists.filter((l) => l.entityId === family || (l.entityId.startsWith(family) && /^_\d+$/.test(l.entityId.slice(family.length))));
  if (scoped !== undefined) {
    const own = lists.filter((l) => l.entityId === `${family}_${scoped}` || (scoped === '0' && l.entityId === family));
    if (own.length > 0) return own.flatMap((l) => l.items);
  }
  return lists.flatMap((l) => l.items);
}

/** The value of the record type's coarsest partition field in the rule's scope (the pipeline of a deal rule), if the rule has one. */
function scopeOf(caret: JsonCaret, sources: RuleCompletionSources): string | undefined {
  const partition = typeOf(sources, sources.entityType)?.permissionPartitions[0];
  return partition ? caret.frames[0]?.children.get('scope')?.strings.get(partition) : undefined;
}

function writableFields(type: EntityTypeInfo | undefined): EntityFieldInfo[] {
  return type?.fields.filter((f) => !f.readOnly) ?? [];
}

function fieldDetail(field: EntityFieldInfo): string {
  return `${field.label} · ${field.type}${field.list ? ' []' : ''}`;
}

function describeParameter(parameter: CatalogParameter): string {
  return `${parameter.type}${parameter.required ? ' *' : ''} · ${parameter.description}`;
}

/** The record type a FIELD or FIELD_VALUES parameter is about: its recordTypeFrom parameter's value, or the rule's. */
function recordTypeOf(parameter: CatalogParameter, params: JsonFrame | undefined, sources: RuleCompletionSources): string {
  return (parameter.recordTypeFrom && params?.strings.get(parameter.recordTypeFrom)) || sources.entityType;
}

function typeOf(sources: RuleCompletionSources, name: string): EntityTypeInfo | undefined {
  return sources.types.find((t) => t.name === name);
}

/** Options containing what is typed (any case), those starting with it first, the order of the source kept within each. */
export function rank(options: CompletionOption[], prefix: string): CompletionOption[] {
  const typed = prefix.toLowerCase();
  if (typed === '') return options;
  const starting = options.filter((o) => o.label.toLowerCase().startsWith(typed));
  const containing = options.filter((o) => !o.label.toLowerCase().startsWith(typed) && o.label.toLowerCase().includes(typed));
  return [...starting, ...containing];
}
