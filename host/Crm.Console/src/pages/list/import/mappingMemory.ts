import type { Client } from 'urql';
import { readPreference, writePreference } from '../../../api/preferences';

// The import wizard's memory of its mappings, per record type and header row (the same headers in
// the same order): kept by the API as the user's own preference, so it follows them to every browser.
// A list per type, written whole: two wizards of one user finishing at the same moment keep the
// later one's list (a remembered suggestion, not data). What an earlier console kept in this
// browser's local storage is read when the API holds nothing yet, and moved there at the next import.

/** Header rows remembered per record type: the most recently used kept, the oldest dropped. */
export const maxRememberedMappings = 20;

interface Remembered {
  headers: string[];
  mapping: Record<string, string>;
}

const preferenceKey = (type: string) => `console.importMappings.${type}`;
const legacyKey = (type: string) => `crm.importMappings.${type}`;

function valid(saved: unknown): Remembered[] | null {
  return Array.isArray(saved) ? (saved as Remembered[]).filter((r) => Array.isArray(r?.headers) && r.mapping && typeof r.mapping === 'object') : null;
}

function legacy(type: string): Remembered[] {
  try {
    return valid(JSON.parse(localStorage.getItem(legacyKey(type)) ?? '[]')) ?? [];
  } catch {
    return [];
  }
}

async function read(client: Client, type: string): Promise<Remembered[]> {
  return valid(await readPreference(client, preferenceKey(type))) ?? legacy(type);
}

const sameHeaders = (a: string[], b: string[]) => a.length === b.length && a.every((h, i) => h === b[i]);

/** The mapping last used with these headers, or null. */
export async function rememberedMapping(client: Client, type: string, headers: string[]): Promise<Record<string, string> | null> {
  return (await read(client, type)).find((r) => sameHeaders(r.headers, headers))?.mapping ?? null;
}

/** Keeps the mapping used with these headers (first in the list; at most maxRememberedMappings per type). */
export async function rememberMapping(client: Client, type: string, headers: string[], mapping: Record<string, string>): Promise<void> {
  const others = (await read(client, type)).filter((r) => !sameHeaders(r.headers, headers));
  // Refused (too large a list of long headers): the mapping is not remembered, the import goes on.
  if ((await writePreference(client, preferenceKey(type), [{ headers, mapping }, ...others].slice(0, maxRememberedMappings))).length === 0) {
    localStorage.removeItem(legacyKey(type));
  }
}
