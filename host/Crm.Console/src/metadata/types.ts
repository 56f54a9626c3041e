// What the API says of each record type (Query.entityTypes): the console draws lists, record
// pages and boards from it, so a plugin's type or a new custom field needs no front-end change.

export interface EntityFieldInfo {
  name: string;
  label: string;
  type: string;
  list: boolean;
  reference: string | null;
  selectionList: string | null;
  /** The field that shows what an id names: the record (company), the list item (stageItem), the user (assignedBy). */
  objectField: string | null;
  filterable: boolean;
  sortable: boolean;
  operators: string[];
  required: boolean;
  readOnly: boolean;
  custom: boolean;
  group: string;
  groupLabel: string;
  showInList: boolean;
  description: string | null;
  maxLength: number | null;
  /** For ENUMERATION: the choices, in order. */
  options: { id: string; value: string; isDefault: boolean }[];
  /** For RECORD_REFERENCE: the record types a link may name; null when any. */
  recordTypes: string[] | null;
}

export interface EntityActionInfo {
  name: string;
  label: string;
  allowed: boolean;
}

export interface EntityTypeInfo {
  name: string;
  graphQLType: string;
  label: string;
  pluralLabel: string;
  listField: string;
  searchable: boolean;
  recordField: string;
  createMutation: string | null;
  updateMutation: string | null;
  deleteMutation: string | null;
  titleField: string;
  stageField: string | null;
  /** The fields rights may differ by, coarsest first (deals: pipelineId, stageId). */
  permissionPartitions: string[];
  fields: EntityFieldInfo[];
  actions: EntityActionInfo[];
}

export function allowed(type: EntityTypeInfo, action: string): boolean {
  return type.actions.some((a) => a.name === action && a.allowed);
}
