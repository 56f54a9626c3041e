#!/usr/bin/env node
// GraphQL-over-HTTP conformance audit for a GraphQL endpoint, using graphql-http's auditServer.
//
// Usage:   node audit-http.mjs <url>            e.g. node audit-http.mjs http://127.0.0.1:5000/graphql
// Env:     CRM_API_KEY          optional; sent as "Authorization: Bearer <key>" on every request
//          CRM_AUDIT_TIMEOUT_MS optional; per-request timeout in ms (default 15000)
//
// Output:  one line per audit: "<status> <id> <name>[ — <reason>]", status being
//          ok | warn (failed SHOULD) | notice (failed MAY) | error (failed MUST);
//          then, as the last line: "N passed, M failed" counting MUST audits only.
// Exit:    0 all MUST audits ok, 1 some MUST audit failed, 2 usage error / server unreachable.
import { auditServer, serverAudits } from 'graphql-http';

const EXIT_OK = 0;
const EXIT_MUST_FAILED = 1;
const EXIT_UNREACHABLE = 2;

const url = process.argv[2];
if (!url || process.argv.length > 3 || url === '-h' || url === '--help') {
  console.error('usage: node audit-http.mjs <url>   (env CRM_API_KEY adds "Authorization: Bearer <key>")');
  process.exit(EXIT_UNREACHABLE);
}
try {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http(s)');
} catch {
  console.error(`error: "${url}" is not an absolute http(s) URL`);
  process.exit(EXIT_UNREACHABLE);
}

const apiKey = (process.env.CRM_API_KEY || '').trim();
const timeoutMs = Number(process.env.CRM_AUDIT_TIMEOUT_MS) > 0 ? Number(process.env.CRM_AUDIT_TIMEOUT_MS) : 15000;

/** fetch wrapper: adds the bearer key (unless the audit set Authorization itself) and a timeout. */
function fetchFn(input, init = {}) {
  const headers = new Headers(init.headers);
  if (apiKey && !headers.has('authorization')) headers.set('authorization', `Bearer ${apiKey}`);
  return fetch(input, { ...init, headers, signal: init.signal ?? AbortSignal.timeout(timeoutMs) });
}

function describeError(err) {
  const parts = [];
  for (let e = err, depth = 0; e && depth < 4; e = e.cause, depth++) {
    parts.push(e.code ? `${e.message} (${e.code})` : String(e.message ?? e));
  }
  return parts.join(': ');
}

/** Can we get any HTTP response at all from the URL? Returns null if yes, else the error text. */
async function probe() {
  try {
    const res = await fetchFn(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    await res.arrayBuffer().catch(() => undefined);
    return null;
  } catch (err) {
    return describeError(err);
  }
}

function unreachable(reason) {
  console.error(`error: GraphQL server at ${url} is unreachable: ${reason}`);
  process.exit(EXIT_UNREACHABLE);
}

const requirementOf = (name) => name.split(' ', 1)[0]; // MUST | SHOULD | MAY
const failedStatusFor = (name) =>
  ({ MUST: 'error', SHOULD: 'warn' })[requirementOf(name)] ?? 'notice';

const probeError = await probe();
if (probeError) unreachable(probeError);

let results;
try {
  results = await auditServer({ url, fetchFn });
} catch (err) {
  // An audit hit a fatal (non-assertion) error, e.g. the connection was reset or timed out.
  const again = await probe();
  if (again) unreachable(again);
  // Server is up: run the audits one by one so a single fatal request only fails its own audit.
  results = [];
  for (const { id, name, fn } of serverAudits({ url, fetchFn })) {
    try {
      results.push(await fn());
    } catch (e) {
      results.push({ id, name, status: failedStatusFor(name), reason: `request failed: ${describeError(e)}` });
    }
  }
}

let passed = 0;
let failed = 0;
const tally = { SHOULD: { ok: 0, not: 0 }, MAY: { ok: 0, not: 0 } };
const width = Math.max(...results.map((r) => r.status.length));

for (const r of results) {
  const requirement = requirementOf(r.name);
  const ok = r.status === 'ok';
  if (requirement === 'MUST') ok ? passed++ : failed++;
  else if (tally[requirement]) ok ? tally[requirement].ok++ : tally[requirement].not++;

  let line = `${r.status.padEnd(width)} ${r.id} ${r.name}`;
  if (!ok) {
    line += ` — ${r.reason}`;
    if (r.response) {
      const ct = r.response.headers.get('content-type');
      line += ` (got HTTP ${r.response.status}${ct ? `, content-type ${ct}` : ', no content-type'})`;
    }
  }
  console.log(line);
}

console.log(
  `SHOULD: ${tally.SHOULD.ok} ok, ${tally.SHOULD.not} warn; MAY: ${tally.MAY.ok} ok, ${tally.MAY.not} notice (not failures)`,
);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? EXIT_MUST_FAILED : EXIT_OK);
