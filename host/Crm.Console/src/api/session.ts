// The signed-in session: the access token (short-lived), the refresh token (one use) and when
// the access token ends. Kept in localStorage so a reload or a second tab stays signed in;
// a refresh token sent twice ends the whole session on the server, so only one refresh runs at a time.

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  expiresAt: string;
}

export interface SignInError {
  code: string;
  message: string;
  retryAt?: string | null;
}

const storageKey = 'crm.session';
// Refresh a little before the end, so a request does not leave with a token about to lapse.
const refreshMarginMs = 30_000;

type Listener = (tokens: Tokens | null) => void;
const listeners = new Set<Listener>();
let current: Tokens | null = read();
let refreshing: Promise<Tokens | null> | null = null;

function read(): Tokens | null {
  try {
    const raw = localStorage.getItem(storageKey);
    return raw ? (JSON.parse(raw) as Tokens) : null;
  } catch {
    return null;
  }
}

function store(tokens: Tokens | null): void {
  current = tokens;
  if (tokens) localStorage.setItem(storageKey, JSON.stringify(tokens));
  else localStorage.removeItem(storageKey);
  listeners.forEach((listener) => listener(tokens));
}

// Another tab refreshed or signed out: follow it rather than spend a used refresh token.
window.addEventListener('storage', (event) => {
  if (event.key === storageKey) {
    current = read();
    listeners.forEach((listener) => listener(current));
  }
});

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function isSignedIn(): boolean {
  return current !== null;
}

async function post<T>(query: string, variables: Record<string, unknown>, token?: string): Promise<T> {
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/graphql-response+json, application/json',
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
  if (!body.data) throw new Error(body.errors?.[0]?.message ?? `HTTP ${response.status}`);
  return body.data;
}

interface SignInPayload {
  accessToken: string | null;
  refreshToken: string | null;
  expiresAt: string | null;
  retryAt: string | null;
  errors: { code: string; message: string }[];
}

const payloadFields = 'accessToken refreshToken expiresAt retryAt errors { code message }';

function tokensOf(payload: SignInPayload): Tokens | SignInError {
  if (payload.accessToken && payload.refreshToken && payload.expiresAt) {
    return { accessToken: payload.accessToken, refreshToken: payload.refreshToken, expiresAt: payload.expiresAt };
  }
  const error = payload.errors[0] ?? { code: 'UNKNOWN', message: 'Sign-in failed.' };
  return { ...error, retryAt: payload.retryAt };
}

export async function signIn(email: string, password: string): Promise<SignInError | null> {
  const data = await post<{ login: SignInPayload }>(
    `mutation SignIn($email: String!, $password: String!) { login(email: $email, password: $password) { ${payloadFields} } }`,
    { email, password },
  );
  const result = tokensOf(data.login);
  if ('accessToken' in result) {
    store(result);
    return null;
  }
  return result;
}

export async function signOut(): Promise<void> {
  const token = current?.accessToken;
  store(null);
  if (token) {
    try {
      await post('mutation SignOut { logout { loggedOut } }', {}, token);
    } catch {
      // The tokens are gone from this browser either way; the server ends them at their expiry.
    }
  }
}

function refresh(): Promise<Tokens | null> {
  refreshing ??= (async () => {
    const used = current;
    if (!used) return null;
    try {
      const data = await post<{ refreshToken: SignInPayload }>(
        `mutation Refresh($token: String!) { refreshToken(refreshToken: $token) { ${payloadFields} } }`,
        { token: used.refreshToken },
      );
      const result = tokensOf(data.refreshToken);
      // Another tab may have refreshed meanwhile: its tokens win over a refusal.
      if ('accessToken' in result) store(result);
      else if (read()?.refreshToken === used.refreshToken) store(null);
      else current = read();
      return current;
    } catch {
      return current;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/** An access token good for a while yet, refreshed first when it is about to end; null when signed out. */
export async function accessToken(): Promise<string | null> {
  if (!current) return null;
  if (Date.parse(current.expiresAt) - Date.now() > refreshMarginMs) return current.accessToken;
  return (await refresh())?.accessToken ?? null;
}

/** The server refused the token (401): refresh once; null means the session is over. */
export async function afterRefusal(refused: string): Promise<string | null> {
  if (current && current.accessToken !== refused) return current.accessToken;
  const tokens = await refresh();
  if (!tokens || tokens.accessToken === refused) {
    store(null);
    return null;
  }
  return tokens.accessToken;
}
