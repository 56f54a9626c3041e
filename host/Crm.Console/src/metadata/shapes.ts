import { useEffect, useState } from 'react';
import { useClient, type Client } from 'urql';
import { isChoice } from './fields';
import type { EntityFieldInfo, EntityTypeInfo } from './types';

// How each field of a record type is selected, read from the schema itself (introspection of the
// record's GraphQL type), never from the metadata's type names: a field whose value is a scalar or
// an enum is selected by its name; one whose value is an object (a contact's phones, an address, a
// custom field's money { amount currency }, enumeration item { id value ... } or record link) with
// its scalar and enum parts. So any object-valued field, a plugin's or one added at run time, is
// selected whole, and shown and edited with no change here. The record's output parts carry the same
// names as its input's (PhoneValue/PhoneValueInput, Money/MoneyInput, Address/AddressInput ...).

/** One part of an object value: a scalar (its type, e.g. Decimal) or an enum (its values, e.g. a phone's WORK, MOBILE ...). */
export interface Part {
  name: string;
  enumValues: string[] | null;
  /** The scalar's name (String, Decimal, ID ...); null for an enum. */
  scalar: string | null;
}

/**
 * The fields of a record type the schema has, by name: null for a value selected by its name alone,
 * else the parts of its object, every one selected, shown and written. A field the schema lacks (or
 * whose object has no scalar part) is not there, and is neither selected nor shown.
 */
export type Shapes = ReadonlyMap<string, Part[] | null>;

/** The parts of a field whose value is an object (undefined for a scalar or a field not selected). */
export function partsOf(shapes: Shapes, field: EntityFieldInfo): Part[] | undefined {
  return shapes.get(field.name) ?? undefined;
}

/** The parts of a money value (amount and currency; one or several), edited as on the record page wherever a value is given. */
export function moneyParts(shapes: Shapes, field: EntityFieldInfo): Part[] | undefined {
  return field.type === 'MONEY' ? partsOf(shapes, field) : undefined;
}

/** Whether one value of the field is a scalar a text box or a choice takes, as the schema says. */
export function isScalarIn(shapes: Shapes, field: EntityFieldInfo): boolean {
  return shapes.get(field.name) === null;
}

/** Whether one value of the field is written from one text box or choice (FieldInput): a scalar, or an item picked by its id. */
export function takesOneInput(shapes: Shapes, field: EntityFieldInfo): boolean {
  return isScalarIn(shapes, field) || (isChoice(field) && isSelectable(shapes, field));
}

/** Whether the schema says how to select the field. */
export function isSelectable(shapes: Shapes, field: EntityFieldInfo): boolean {
  return shapes.has(field.name);
}

const numericScalars = new Set(['Int', 'Float', 'Decimal', 'Long', 'BigInt', 'Short', 'Byte', 'UInt', 'ULong']);

/** Whether a part holds a number (a money's amount): edited in a number box and written as a number. */
export function isNumericPart(part: Part): boolean {
  return !!part.scalar && numericScalars.has(part.scalar);
}

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

function isLeaf(type: IntrospectedType | null): boolean {
  return !!type && (type.kind === 'SCALAR' || type.kind === 'ENUM');
}

/** The shapes of every field of an introspected record type. */
export function shapesOf(type: IntrospectedType | null | undefined): Map<string, Part[] | null> {
  const shapes = new Map<string, Part[] | null>();
  for (const f of type?.fields ?? []) {
    const value = unwrap(f.type);
    if (isLeaf(value)) {
      shapes.set(f.name, null);
      continue;
    }
    // An object's scalar and enum parts; its object parts (a record link's record) are left to the caller.
    const parts = (value?.fields ?? [])
      .map((p) => ({ name: p.name, type: unwrap(p.type) }))
      .filter((p): p is { name: string; type: IntrospectedType } => isLeaf(p.type))
      .map((p) => ({
        name: p.name,
        enumValues: p.type.kind === 'ENUM' ? (p.type.enumValues ?? []).map((v) => v.name) : null,
        scalar: p.type.kind === 'SCALAR' ? p.type.name : null,
      }));
    if (parts.length) shapes.set(f.name, parts);
  }
  return shapes;
}

interface Known {
  /** The metadata's field names when the schema was asked: a field added since (a custom field) asks again. */
  asked: ReadonlySet<string>;
  shapes: Shapes;
}

// Per client (one per session) and record type: the schema changes only when a field is added or removed.
const known = new WeakMap<Client, Map<string, Known>>();

function knownOf(client: Client): Map<string, Known> {
  let map = known.get(client);
  if (!map) known.set(client, (map = new Map()));
  return map;
}

/**
 * The shapes of the type's fields; undefined while the schema is asked. Asked once per type and
 * session, and again when the metadata names a field the last answer was not asked for.
 */
export function useShapes(type: EntityTypeInfo): { shapes: Shapes | undefined; error: string | null; retry: () => void } {
  const client = useClient();
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [, setAnswered] = useState(0);
  const entry = knownOf(client).get(type.graphQLType);
  const fresh = !!entry && type.fields.every((f) => entry.asked.has(f.name));
  useEffect(() => {
    if (fresh) return;
    let live = true;
    const asked = new Set(type.fields.map((f) => f.name));
    void client
      .query<{ type: IntrospectedType | null }>(shapesQuery, { name: type.graphQLType }, { requestPolicy: 'network-only' })
      .toPromise()
      .then((result) => {
        if (result.data) knownOf(client).set(type.graphQLType, { asked, shapes: shapesOf(result.data.type) });
        if (!live) return;
        setError(result.data ? null : (result.error?.message ?? 'no answer'));
        setAnswered((n) => n + 1);
      });
    return () => {
      live = false;
    };
  }, [client, type, fresh, attempt]);
  return { shapes: fresh ? entry.shapes : undefined, error: fresh ? null : error, retry: () => setAttempt((n) => n + 1) };
}
