import type { Client } from 'urql';
import { graphql } from '../gql';

// The signed-in user's own settings, kept by the API (myPreferences / setMyPreference), so that what
// the console remembers follows them to every browser. Keys name the console first.

const ReadPreferences = graphql(`
  query ConsolePreferences($keys: [String!]!) {
    myPreferences(keys: $keys) { key value }
  }
`);

const SetPreference = graphql(`
  mutation ConsoleSetPreference($key: String!, $value: JSON) {
    setMyPreference(key: $key, value: $value) { errors { code message } }
  }
`);

/** The value kept under the key, or undefined when none is (or the API could not be asked). */
export async function readPreference(client: Client, key: string): Promise<unknown> {
  const result = await client.query(ReadPreferences, { keys: [key] }, { requestPolicy: 'network-only' }).toPromise();
  return result.data?.myPreferences.find((p) => p.key === key)?.value;
}

/** Keeps the value under the key; the API's refusal (a value too large, the most keys kept) in the answer. */
export async function writePreference(client: Client, key: string, value: unknown): Promise<string[]> {
  const result = await client.mutation(SetPreference, { key, value }).toPromise();
  return [...(result.error ? [result.error.message] : []), ...(result.data?.setMyPreference.errors ?? []).map((e) => e.message)];
}
