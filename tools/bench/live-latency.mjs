#!/usr/bin/env node
// Commit -> subscriber latency of feedEvents: SUBSCRIPTIONS open subscriptions (SOCKETS sockets)
// while a writer changes contacts at RATE changes per second for SECONDS seconds, each change
// over HTTP (updateContact); each subscription receives every change as a timeline entry.
// A change's latency, per subscription, is from the moment its request was sent (before its
// commit: an upper bound) to the moment the event reached that subscription.
//
// Usage:  CRM_API_KEY=<key> node live-latency.mjs <http url of /graphql> [SUBSCRIPTIONS=200] [RATE=100] [SECONDS=20] [SOCKETS=20]
// Needs graphql-ws and ws from tools/conformance (npm ci there).
import { createRequire } from 'node:module';

const require = createRequire(new URL('../conformance/package.json', import.meta.url));
const { createClient } = require('graphql-ws');
const WebSocket = require('ws');

const [url, subsArg, rateArg, secondsArg, socketsArg] = process.argv.slice(2);
const apiKey = (process.env.CRM_API_KEY || '').trim();
if (!url || !apiKey) {
  console.error('usage: CRM_API_KEY=<key> node live-latency.mjs <http url of /graphql> [SUBSCRIPTIONS] [RATE] [SECONDS] [SOCKETS]');
  process.exit(2);
}
const subscriptions = Number(subsArg ?? 200);
const rate = Number(rateArg ?? 100);
const seconds = Number(secondsArg ?? 20);
const socketCount = Number(socketsArg ?? 20);

async function gql(query, variables) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

// Contacts to change, one per change in turn, so that no row is a hot spot.
const contacts = [];
for (let i = 0; i < 100; i += 20) {
  const fields = Array.from({ length: 20 }, (_, j) => `c${i + j}: createContact(input: { name: "latency ${i + j}" }) { contact { id } errors { code } }`).join(' ');
  const data = await gql(`mutation { ${fields} }`);
  contacts.push(...Object.values(data).map((p) => p.contact.id));
}

const sent = new Map(); // marker -> time sent (ms)
const latencies = [];
let received = 0;
// The sockets' credentials, round robin (CRM_SUBSCRIBER_KEYS, comma-separated; the writer's key when not given).
const subscriberKeys = (process.env.CRM_SUBSCRIBER_KEYS || apiKey).split(',').map((k) => k.trim()).filter((k) => k.length > 0);
const clients = Array.from({ length: socketCount }, (_, i) => createClient({
  url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { Authorization: `Bearer ${subscriberKeys[i % subscriberKeys.length]}` }, retryAttempts: 0, lazy: false,
}));
const query = 'subscription { feedEvents(where: { entityTypes: [CONTACT], kinds: ["fieldsChanged"] }) { cursor node { ... on TimelineFieldsChangedEntry { changes { field newValue } } } } }';
const stops = [];
for (let s = 0; s < subscriptions; s++) {
  stops.push(clients[s % socketCount].subscribe({ query }, {
    next: (value) => {
      const now = performance.now();
      if (value.errors) { console.error(JSON.stringify(value.errors)); process.exit(1); }
      const change = value.data.feedEvents.node.changes?.find((c) => c.field === 'post');
      const at = change && sent.get(JSON.parse(change.newValue));
      if (at !== undefined) { latencies.push(now - at); received++; }
    },
    error: (error) => { console.error('subscription ended:', JSON.stringify(error)); process.exit(1); },
    complete: () => {},
  }));
}
// Subscriptions without `after` start from when they join: give them a moment to.
await new Promise((resolve) => setTimeout(resolve, 3000));

let seq = 0;
const total = rate * seconds;
const started = performance.now();
const failures = [];
await new Promise((resolve) => {
  const tick = setInterval(() => {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
    while (seq < due) {
      const marker = `latency-${process.pid}-${seq}`;
      const id = contacts[seq % contacts.length];
      seq++;
      sent.set(marker, performance.now());
      gql('mutation($id: ID!, $post: String!) { updateContact(id: $id, input: { post: $post }) { errors { code } } }', { id, post: marker })
        .catch((error) => failures.push(String(error)));
    }
    if (seq >= total) { clearInterval(tick); resolve(); }
  }, 5);
});
const writeSeconds = (performance.now() - started) / 1000;
// Wait for the stragglers (at most 30 s), then report.
const expected = total * subscriptions;
const deadline = performance.now() + 30000;
while (received < expected && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
for (const stop of stops) stop();
await Promise.all(clients.map((c) => c.dispose()));

latencies.sort((a, b) => a - b);
const at = (q) => latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)];
console.log(`${subscriptions} subscriptions on ${socketCount} sockets; ${total} changes in ${writeSeconds.toFixed(1)} s (${(total / writeSeconds).toFixed(0)}/s), ${failures.length} failed writes`);
console.log(`received ${received} of ${expected} events; latency from the change's request: median ${at(0.5).toFixed(0)} ms, p99 ${at(0.99).toFixed(0)} ms, max ${latencies[latencies.length - 1].toFixed(0)} ms`);
if (failures.length) console.log(`first failure: ${failures[0]}`);
process.exit(received === expected && failures.length === 0 ? 0 : 1);
