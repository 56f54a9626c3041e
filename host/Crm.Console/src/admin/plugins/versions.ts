/**
 * Orders semantic versions (1.2.0 < 1.10.0; a pre-release before its release), as the feeds'
 * packages are versioned; the API checks the version it is given, this only picks what to offer.
 */
export function compareVersions(a: string, b: string): number {
  const [coreA = '', preA] = splitVersion(a);
  const [coreB = '', preB] = splitVersion(b);
  const partsA = coreA.split('.').map(Number);
  const partsB = coreB.split('.').map(Number);
  for (let i = 0; i < Math.max(partsA.length, partsB.length); i++) {
    const diff = (partsA[i] ?? 0) - (partsB[i] ?? 0);
    if (diff !== 0) return Math.sign(diff);
  }
  if (preA === preB) return 0;
  if (preA === undefined) return 1;
  if (preB === undefined) return -1;
  return preA.localeCompare(preB, 'en', { numeric: true });
}

function splitVersion(version: string): [string, string | undefined] {
  const plain = version.split('+')[0] ?? '';
  const dash = plain.indexOf('-');
  return dash < 0 ? [plain, undefined] : [plain.slice(0, dash), plain.slice(dash + 1)];
}

/** The newest version the feeds offer of each plugin id. */
export function newestById<T extends { id: string; version: string }>(packages: readonly T[]): Map<string, T> {
  const newest = new Map<string, T>();
  for (const p of packages) {
    const known = newest.get(p.id);
    if (!known || compareVersions(p.version, known.version) > 0) newest.set(p.id, p);
  }
  return newest;
}
