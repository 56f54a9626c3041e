// The import wizard's memory of its mappings: the API keeps no per-user settings, so this browser's
// local storage does, per record type and header row (the same headers in the same order).

/** Header rows remembered per record type: the most recently used kept, the oldest dropped. */
export const maxRememberedMappings = 20;

interface Remembered {
  headers: string[];
  mapping: Record<string, string>;
}

const storageKey = (type: string) => `crm.importMappings.${type}`;

function read(type: string): Remembered[] {
  try {
    const saved = JSON.parse(localStorage.getItem(storageKey(type)) ?? '[]') as unknown;
    return Array.isArray(saved) ? (saved as Remembered[]).filter((r) => Array.isArray(r?.headers) && r.mapping && typeof r.mapping === 'object') : [];
  } catch {
    return [];
  }
}

const sameHeaders = (a: string[], b: string[]) => a.length === b.length && a.every((h, i) => h === b[i]);

/** The mapping last used with these headers, or null. */
export function rememberedMapping(type: string, headers: string[]): Record<string, string> | null {
  return read(type).find((r) => sameHeaders(r.headers, headers))?.mapping ?? null;
}

/** Keeps the mapping used with these headers (first in the list; at most maxRememberedMappings per type). */
export function rememberMapping(type: string, headers: string[], mapping: Record<string, string>) {
  const others = read(type).filter((r) => !sameHeaders(r.headers, headers));
  const next = [{ headers, mapping }, ...others].slice(0, maxRememberedMappings);
  try {
    localStorage.setItem(storageKey(type), JSON.stringify(next));
  } catch {
    // A full storage: the mapping is not remembered, the import goes on.
  }
}
