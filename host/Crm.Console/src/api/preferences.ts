import type { Client } from 'urql';

// The signed-in user's own settings, kept by the API (myPreferences / setMyPreference), so that what
// the console remembers follows them to every browser. Keys name the console first.

const ReadPreferences = `query ConsolePreferences($keys: [String!]!) { myPreferences(keys: $keys) { key value } }`;
const SetPreference = `mutation ConsoleSetPreference($key: String!, $value: JSON) { setMyPreference(key: $key, value: $value) { errors { code message } } }`;

/** The value kept under the key, or undefined when none is (or the API could not be asked). */
export async function readPreference(client: Client, key: string): Promise<unknown> {
  const result = await client.query(ReadPreferences, { keys: [key] }, { requestPolicy: 'network-only' }).toPromise();
  const found = (result.data as { myPreferences?: { key: string; value: unknown }[] } | undefined)?.myPreferences?.find((p) => p.key === key);
  return found?.value;
}

/** Keeps the value under the key; the API's refusal (a value too large, the most keys kept) in the answer. */
export async function writePreference(client: Client, key: string, value: unknown): Promise<string[]> {
  const result = await client.mutation(SetPreference, { key, value }).toPromise();
  const errors = (result.data as { setMyPreference?: { errors: { message: string }[] } } | undefined)?.setMyPreference?.errors ?? [];
  return [...(result.error ? [result.error.message] : []), ...errors.map((e) => e.message)];
}
