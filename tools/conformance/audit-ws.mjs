#!/usr/bin/env node
// GraphQL over WebSocket (graphql-transport-ws) conformance audit for Crm.Host, driven by the
// graphql-ws client itself: what a front end using it meets.
//
// Usage:   node audit-ws.mjs <url>             e.g. node audit-ws.mjs http://127.0.0.1:5000/graphql
// Env:     CRM_API_KEY          required; sent in connection_init as { Authorization: "Bearer <key>" }
//          CRM_AUDIT_TIMEOUT_MS optional; per-audit timeout in ms (default 15000)
//
// Output:  one line per audit: "<status> <id> <name>[ — <reason>]", status being ok | error | notice;
//          then, as the last line: "N passed, M failed" (notices are not failures).
// Exit:    0 every audit ok, 1 some audit failed, 2 usage error / server unreachable.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const url = process.argv[2];
const apiKey = (process.env.CRM_API_KEY || '').trim();
if (!url || process.argv.length > 3 || !apiKey) {
  console.error('usage: CRM_API_KEY=<key> node audit-ws.mjs <http(s) url of /graphql>');
  process.exit(2);
}
const wsUrl = url.replace(/^http/, 'ws');
const timeoutMs = Number(process.env.CRM_AUDIT_TIMEOUT_MS) > 0 ? Number(process.env.CRM_AUDIT_TIMEOUT_MS) : 15000;

function client(connectionParams, extra = {}) {
  return createClient({ url: wsUrl, webSocketImpl: WebSocket, connectionParams, retryAttempts: 0, lazy: false, ...extra });
}

/** Resolves with the close event's code once the client's socket closes. */
function closeCodeOf(c) {
  return new Promise((resolve) => c.on('closed', (event) => resolve(event?.code)));
}

/** Runs one operation to its end: { results, errors } (errors: what the error message carried). */
function run(c, payload) {
  return new Promise((resolve) => {
    const results = [];
    c.subscribe(payload, {
      next: (value) => results.push(value),
      error: (errors) => resolve({ results, errors: Array.isArray(errors) ? errors : [errors] }),
      complete: () => resolve({ results, errors: null }),
    });
  });
}

const code = (error) => error?.extensions?.code;

const audits = [
  ['handshake', 'connection_init with an API key is acknowledged', async () => {
    const c = client({ Authorization: `Bearer ${apiKey}` });
    try {
      await new Promise((resolve, reject) => { c.on('connected', resolve); c.on('closed', (e) => reject(new Error(`closed ${e?.code} ${e?.reason}`))); });
    } finally { await c.dispose(); }
  }],
  ['subprotocol', 'a socket without graphql-transport-ws is refused before the upgrade', async () => {
    await new Promise((resolve, reject) => {
      const socket = new WebSocket(wsUrl, 'graphql-ws');
      socket.on('unexpected-response', (_, response) => (response.statusCode === 400 ? resolve() : reject(new Error(`HTTP ${response.statusCode}`))));
      socket.on('open', () => { socket.close(); reject(new Error('upgraded with the wrong subprotocol')); });
      socket.on('error', () => {});
    });
  }],
  ['auth-wrong-key', 'a refused credential closes the socket with 4403', async () => {
    const c = client({ Authorization: 'Bearer not-a-key-of-this-server' });
    const closed = await closeCodeOf(c);
    await c.dispose();
    if (closed !== 4403) throw new Error(`closed with ${closed}`);
  }],
  ['auth-none', 'connection_init without a credential closes the socket with 4403', async () => {
    const c = client(undefined);
    const closed = await closeCodeOf(c);
    await c.dispose();
    if (closed !== 4403) throw new Error(`closed with ${closed}`);
  }],
  ['ping-pong', 'the server answers ping with pong', async () => {
    const c = client({ Authorization: `Bearer ${apiKey}` }, { keepAlive: 200 });
    try {
      await new Promise((resolve) => c.on('pong', (received) => received && resolve()));
    } finally { await c.dispose(); }
  }],
  ['query', 'a query over the socket gives one next, then complete', async () => {
    const c = client({ Authorization: `Bearer ${apiKey}` });
    try {
      const { results, errors } = await run(c, { query: '{ __typename }' });
      if (errors) throw new Error(JSON.stringify(errors));
      if (results.length !== 1 || results[0].data?.__typename !== 'Query') throw new Error(JSON.stringify(results));
    } finally { await c.dispose(); }
  }],
  ['mutation', 'a mutation over the socket runs once and answers with its payload', async () => {
    const c = client({ Authorization: `Bearer ${apiKey}` });
    try {
      const name = `ws-audit-${Date.now()}`;
      const { results, errors } = await run(c, {
        query: 'mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id name } errors { code message } } }',
        variables: { input: { name } },
      });
      if (errors) throw new Error(JSON.stringify(errors));
      const payload = results[0]?.data?.createContact;
      if (results.length !== 1 || payload?.contact?.name !== name || payload.errors.length) throw new Error(JSON.stringify(results));
    } finally { await c.dispose(); }
  }],
  ['validation-error', 'a document that does not validate ends with an error message (VALIDATION)', async () => {
    const c = client({ Authorization: `Bearer ${apiKey}` });
    try {
      const { errors } = await run(c, { query: '{ noSuchField }' });
      if (!errors || code(errors[0]) !== 'VALIDATION') throw new Error(JSON.stringify(errors));
    } finally { await c.dispose(); }
  }],
  ['syntax-error', 'a document that does not parse ends with an error message (SYNTAX_ERROR)', async () => {
    const c = client({ Authorization: `Bearer ${apiKey}` });
    try {
      const { errors } = await run(c, { query: '{ unclosed' });
      if (!errors || code(errors[0]) !== 'SYNTAX_ERROR') throw new Error(JSON.stringify(errors));
    } finally { await c.dispose(); }
  }],
  ['timeline-events', 'timelineEvents delivers a change of a record live, and again to a subscriber resuming from before it', async () => {
    const c = client({ Authorization: `Bearer ${apiKey}` });
    try {
      const created = await run(c, {
        query: 'mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } errors { code message } } }',
        variables: { input: { name: `ws-audit-timeline-${Date.now()}` } },
      });
      const id = created.results[0]?.data?.createContact?.contact?.id;
      if (!id) throw new Error(JSON.stringify(created));
      // The history is written from the record's event, after its commit: wait for the "created" entry.
      let start;
      while (!start) {
        const { results } = await run(c, { query: 'query($id: ID!) { timeline(entityType: CONTACT, entityId: $id, first: 1) { nodes { id } } }', variables: { id } });
        start = results[0]?.data?.timeline?.nodes?.[0]?.id;
        if (!start) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const subscription = 'subscription($id: ID!, $after: String) { timelineEvents(entityType: CONTACT, entityId: $id, after: $after) { cursor node { __typename id kind entityId ... on TimelineFieldsChangedEntry { changes { field newValue } } } } }';
      const firstEvent = (after) => new Promise((resolve, reject) => {
        const stop = c.subscribe({ query: subscription, variables: { id, after } }, {
          next: (value) => { stop(); value.errors ? reject(new Error(JSON.stringify(value.errors))) : resolve(value.data.timelineEvents); },
          error: (errors) => reject(new Error(JSON.stringify(errors))),
          complete: () => reject(new Error('completed before an event')),
        });
      });
      const live = firstEvent(start);
      const updated = await run(c, { query: 'mutation($id: ID!) { updateContact(id: $id, input: { post: "Audited" }) { errors { code } } }', variables: { id } });
      if (updated.errors || updated.results[0]?.data?.updateContact?.errors?.length) throw new Error(JSON.stringify(updated));
      const event = await live;
      const node = event.node;
      if (node.__typename !== 'TimelineFieldsChangedEntry' || node.kind !== 'fieldsChanged' || node.entityId !== id || event.cursor !== node.id
        || Number(node.id) <= Number(start) || !node.changes.some((change) => change.field === 'post' && change.newValue === '"Audited"')) {
        throw new Error(JSON.stringify(event));
      }
      // Subscribing again from the same cursor: the missed event, the same one.
      const resumed = await firstEvent(start);
      if (resumed.cursor !== event.cursor) throw new Error(`resumed at ${JSON.stringify(resumed)}, expected ${event.cursor}`);
    } finally { await c.dispose(); }
  }],
];

function withTimeout(promise) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs); })])
    .finally(() => clearTimeout(timer));
}

let passed = 0;
let failed = 0;
for (const [id, name, fn] of audits) {
  try {
    await withTimeout(fn());
    console.log(`ok    ${id} ${name}`);
    passed++;
  } catch (err) {
    console.log(`error ${id} ${name} — ${err?.message ?? err}`);
    failed++;
  }
}

// The subscription fields the schema has, for the log (timeline-events subscribes to one of them).
{
  const c = client({ Authorization: `Bearer ${apiKey}` });
  const { results } = await run(c, { query: '{ __schema { subscriptionType { fields { name } } } }' });
  await c.dispose();
  const fields = results[0]?.data?.__schema?.subscriptionType?.fields ?? [];
  console.log(fields.length
    ? `notice subscription-fields the schema has ${fields.map((f) => f.name).join(', ')}`
    : 'notice subscription-fields the schema has no subscription field yet: nothing to subscribe to');
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
