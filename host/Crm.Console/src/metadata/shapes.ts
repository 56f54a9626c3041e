import { useMemo } from 'react';
import { useQuery } from 'urql';
import type { EntityFieldInfo, EntityTypeInfo } from './types';

// The parts of a field whose value is an object (a contact's phones, an address, a custom field's
// record link): read from the schema itself (introspection of the record's GraphQL type), so a
// plugin's or a custom field's composite value is shown and edited with no change here. The
// record's output parts carry the same names as its input's (PhoneValue/PhoneValueInput,
// Address/AddressInput, CrmRecordReference/CrmRecordReferenceInput).

const compositeTypes = new Set(['CONTACT_POINTS', 'ADDRESS', 'RECORD_REFERENCE']);

export function isComposite(field: EntityFieldInfo): boolean {
  return compositeTypes.has(field.type);
}

/** One part of a composite value: a scalar or an enum (its values, e.g. a phone's WORK, MOBILE ...). */
export interface Part {
  name: string;
  enumValues: string[] | null;
}

/** The composite fields of a record type by name, each with its parts; every part is selected, shown and written. */
export type Shapes = ReadonlyMap<string, Part[]>;

interface IntrospectedType {
  kind: string;
  name: string | null;
  enumValues?: { name: string }[] | null;
  fields?: { name: string; type: IntrospectedType }[] | null;
  ofType?: IntrospectedType | null;
}

// A field's type wrapped in NON_NULL and LIST ([PhoneValue!]!): four levels reach the object.
const typeRef = 'kind name enumValues { name } ofType { kind name enumValues { name } ofType { kind name enumValues { name } } }';
const level = `kind name fields { name type { ${typeRef} } }`;

// One __type per request (RootFieldLimitsRule): the object types' parts ride along, nested.
const shapesQuery = `query ConsoleShapes($name: String!) {
  type: __type(name: $name) { fields { name type { ${level} ofType { ${level} ofType { ${level} ofType { ${level} } } } } } }
}`;

function unwrap(type: IntrospectedType | null | undefined): IntrospectedType | null {
  let t = type ?? null;
  while (t && (t.kind === 'NON_NULL' || t.kind === 'LIST')) t = t.ofType ?? null;
  return t;
}

/** The shapes of the type's composite fields; undefined while the schema is asked (or when it has none to ask for). */
export function useShapes(type: EntityTypeInfo): Shapes | undefined {
  const wanted = useMemo(() => new Set(type.fields.filter(isComposite).map((f) => f.name)), [type]);
  const [result] = useQuery<{ type: IntrospectedType | null }>({
    query: shapesQuery,
    variables: { name: type.graphQLType },
    pause: wanted.size === 0,
    requestPolicy: 'cache-first',
  });
  return useMemo(() => {
    if (wanted.size === 0) return new Map();
    if (!result.data && !result.error) return undefined;
    const shapes = new Map<string, Part[]>();
    for (const f of result.data?.type?.fields ?? []) {
      if (!wanted.has(f.name)) continue;
      const parts = (unwrap(f.type)?.fields ?? [])
        .map((p) => ({ name: p.name, type: unwrap(p.type) }))
        .filter((p) => p.type && (p.type.kind === 'SCALAR' || p.type.kind === 'ENUM'))
        .map((p) => ({ name: p.name, enumValues: p.type!.kind === 'ENUM' ? (p.type!.enumValues ?? []).map((v) => v.name) : null }));
      if (parts.length) shapes.set(f.name, parts);
    }
    return shapes;
  }, [wanted, result.data, result.error]);
}
