import type { EntityFieldInfo, EntityTypeInfo } from './types';
import { isSelectable, type Shapes } from './shapes';

// GraphQL text for any record type, made from its metadata: the list, one record, and its
// create, update and delete mutations. Names come from the API itself (listField, recordField,
// the mutations), input and filter types follow the schema's naming (DealFilterInput ...).

export const payloadErrors = 'errors { code message path }';

/** The fields a list or a record page can select: those the schema says how to (shapes), scalars and objects alike. */
export function selectableFields(type: EntityTypeInfo, shapes: Shapes): EntityFieldInfo[] {
  return type.fields.filter((f) => isSelectable(shapes, f));
}

/** The record types' title fields by name (DEAL: title): what a reference shows of the record it names. */
export type Titles = ReadonlyMap<string, string>;

export function titlesOf(types: EntityTypeInfo[]): Titles {
  return new Map(types.map((t) => [t.name, t.titleField]));
}

/**
 * The fields, and for a reference or a user the object its id names (objectField: company,
 * assignedBy), loaded in the same query: a link shows the record's title, not its id.
 */
function selection(type: EntityTypeInfo, fields: EntityFieldInfo[], titles: Titles, shapes: Shapes, types: EntityTypeInfo[]): string {
  const names = new Set(['id', type.titleField]);
  for (const f of fields) {
    const parts = shapes.get(f.name);
    if (parts === undefined) continue;
    if (parts === null) {
      names.add(f.name);
      continue;
    }
    const linkable = f.type === 'RECORD_REFERENCE' ? parts.find((p) => p.name === 'entityType')?.enumValues : undefined;
    const linked = linkable ? ` ${linkedRecordSelection(types, linkable)}` : '';
    names.add(`${f.name} { ${parts.map((p) => p.name).join(' ')}${linked} }`);
  }
  if (type.stageField) names.add(type.stageField);
  for (const f of fields) {
    if (!f.objectField || f.list) continue;
    const title = f.type === 'REFERENCE' && f.reference ? titles.get(f.reference) : undefined;
    if (title) names.add(`${f.objectField} { id ${title} }`);
    else if (f.type === 'USER') names.add(`${f.objectField} { id name lastName }`);
  }
  return [...names].join(' ');
}

/**
 * What a record link selects of the record it names (CrmRecordReference.record, loaded in batches):
 * its title, under an alias per type, since two types' title fields may differ in nullability,
 * which one selection could not merge. A type the caller may not read is left to its id.
 */
function linkedRecordSelection(types: EntityTypeInfo[], linkable: string[]): string {
  const fragments = types.filter((t) => linkable.includes(t.name)).map((t) => `... on ${t.graphQLType} { title${t.graphQLType}: ${t.titleField} }`);
  return `record { __typename ${fragments.join(' ')} }`;
}

export function listQuery(type: EntityTypeInfo, fields: EntityFieldInfo[], types: EntityTypeInfo[], shapes: Shapes): string {
  const t = type.graphQLType;
  return `query ConsoleList($where: ${t}FilterInput, $order: [${t}SortInput!], $first: Int, $after: String, $search: String, $viewId: ID) {
  list: ${type.listField}(where: $where, order: $order, first: $first, after: $after, search: $search, viewId: $viewId) {
    nodes { ${selection(type, fields, titlesOf(types), shapes, types)} }
    pageInfo { hasNextPage endCursor }
  }
}`;
}

/** The fields a record page shows: every one the schema says how to select. */
export const recordFields = selectableFields;

export function recordQuery(type: EntityTypeInfo, types: EntityTypeInfo[], shapes: Shapes): string {
  return `query ConsoleRecord($id: ID!) { record: ${type.recordField}(id: $id) { ${selection(type, recordFields(type, shapes), titlesOf(types), shapes, types)} } }`;
}

export function updateMutation(type: EntityTypeInfo): string | null {
  if (!type.updateMutation) return null;
  return `mutation ConsoleUpdate($id: ID!, $input: Update${type.graphQLType}Input!) {
  result: ${type.updateMutation}(id: $id, input: $input) { ${payloadErrors} }
}`;
}

export function createMutation(type: EntityTypeInfo): string | null {
  if (!type.createMutation) return null;
  return `mutation ConsoleCreate($input: Create${type.graphQLType}Input!) {
  result: ${type.createMutation}(input: $input) { record: ${type.recordField} { id } ${payloadErrors} }
}`;
}

export function deleteMutation(type: EntityTypeInfo): string | null {
  if (!type.deleteMutation) return null;
  return `mutation ConsoleDelete($id: ID!) { result: ${type.deleteMutation}(id: $id) { ${payloadErrors} } }`;
}

/** The records of one type whose reference field names a record: a company's deals, a deal's activities ... */
export function relatedQuery(type: EntityTypeInfo, field: EntityFieldInfo): string {
  return `query ConsoleRelated($id: ID!) {
  list: ${type.listField}(where: { ${field.name}: { eq: $id } }, first: 20) { nodes { id ${type.titleField} } pageInfo { hasNextPage } }
}`;
}

export interface UserError {
  code: string;
  message: string;
  path: string[];
}

/** A payload's errors by the input field they name (the last path segment that is a field), '' for the rest. */
export function errorsByField(errors: UserError[], fields: string[]): Map<string, string[]> {
  const known = new Set(fields);
  const map = new Map<string, string[]>();
  for (const e of errors) {
    const key = [...e.path].reverse().find((p) => known.has(p)) ?? '';
    map.set(key, [...(map.get(key) ?? []), e.message]);
  }
  return map;
}

export type Row = Record<string, unknown> & { id: string };
