import { Client, cacheExchange, fetchExchange, subscriptionExchange } from 'urql';
import { createClient as createSocketClient } from 'graphql-ws';
import { accessToken, afterRefusal } from './session';

// Every request carries the current access token; a 401 refreshes it once and retries.
async function authorizedFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const send = (token: string | null) => {
    const headers = new Headers(init?.headers);
    if (token) headers.set('Authorization', `Bearer ${token}`);
    return fetch(input, { ...init, headers });
  };
  const token = await accessToken();
  const response = await send(token);
  if (response.status !== 401 || !token) return response;
  const renewed = await afterRefusal(token);
  return renewed ? send(renewed) : response;
}

function socketUrl(): string {
  const url = new URL('/graphql', window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

export function createApiClient(): Client {
  const sockets = createSocketClient({
    url: socketUrl(),
    lazy: true,
    // Asked at each (re)connection, so a reconnect after a refresh sends the new token.
    connectionParams: async () => {
      const token = await accessToken();
      return token ? { Authorization: `Bearer ${token}` } : {};
    },
    retryAttempts: 20,
    shouldRetry: () => true,
  });
  return new Client({
    url: '/graphql',
    fetch: authorizedFetch,
    preferGetMethod: false,
    requestPolicy: 'cache-and-network',
    fetchOptions: { headers: { Accept: 'application/graphql-response+json, application/json' } },
    exchanges: [
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: sockets.subscribe({ ...request, query: request.query ?? '' }, sink) }),
        }),
      }),
    ],
  });
}
