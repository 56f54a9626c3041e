// Crm.Platform GraphiQL page.
// Bundled by build.mjs (esbuild) into host/Crm.Host/wwwroot/graphiql/.
// graphiql 4.x uses CodeMirror 5: no web workers, no CDN, no extra assets.
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';
import './index.css';

const API_KEY_STORAGE = 'crm.apiKey';

const root = document.getElementById('graphiql');
// Origin-relative, so the page works behind any host/port.
const endpoint = (root && root.dataset.endpoint) || '/graphql';

function readStorage(key) {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}

function writeStorage(key, value) {
  try {
    if (value == null || value === '') window.localStorage.removeItem(key);
    else window.localStorage.setItem(key, value);
  } catch {
    /* storage unavailable (private mode, disabled): key lives for this page only */
  }
}

// ?apiKey=... → store it into localStorage, then strip it from the address bar
// so the key does not stay in browser history or get shared with a copied link.
let pageApiKey = null;
(function captureApiKeyFromUrl() {
  const url = new URL(window.location.href);
  if (!url.searchParams.has('apiKey')) return;
  const value = (url.searchParams.get('apiKey') || '').trim();
  url.searchParams.delete('apiKey');
  if (value) {
    pageApiKey = value;
    writeStorage(API_KEY_STORAGE, value);
  }
  try {
    window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
  } catch {
    /* ignore */
  }
})();

function currentApiKey() {
  const stored = readStorage(API_KEY_STORAGE);
  return (stored && stored.trim()) || pageApiKey || null;
}

function hasHeader(headers, name) {
  const lower = name.toLowerCase();
  return Object.keys(headers).some((k) => k.toLowerCase() === lower);
}

async function fetcher(graphQLParams, opts) {
  const headers = {
    'Content-Type': 'application/json',
    Accept: 'application/graphql-response+json, application/json',
  };
  // Headers from GraphiQL's headers editor win over the defaults.
  const editorHeaders = (opts && opts.headers) || {};
  for (const [name, value] of Object.entries(editorHeaders)) {
    for (const existing of Object.keys(headers)) {
      if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
    }
    if (value != null) headers[name] = String(value);
  }
  const apiKey = currentApiKey();
  if (apiKey && !hasHeader(headers, 'Authorization')) {
    headers.Authorization = `Bearer ${apiKey}`;
  }

  const response = await fetch(endpoint, {
    method: 'POST',
    headers,
    body: JSON.stringify(graphQLParams),
    credentials: 'same-origin',
  });
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return {
      errors: [
        {
          message: `HTTP ${response.status} ${response.statusText}: response is not JSON`,
          extensions: { body: text.slice(0, 2000) },
        },
      ],
    };
  }
}

function ApiKeyStatus() {
  const key = currentApiKey();
  if (!key) {
    return (
      <span className="crm-apikey">
        No API key stored. Add <code>{'{"Authorization": "Bearer <key>"}'}</code> in Headers, or open this page
        with <code>?apiKey=&lt;key&gt;</code>.
      </span>
    );
  }
  return (
    <span className="crm-apikey">
      Sending <code>Authorization: Bearer …{key.slice(-4)}</code> from <code>localStorage[{API_KEY_STORAGE}]</code>{' '}
      (a header set in Headers overrides it).{' '}
      <button
        type="button"
        className="graphiql-button"
        onClick={() => {
          writeStorage(API_KEY_STORAGE, null);
          pageApiKey = null;
          window.location.reload();
        }}
      >
        Forget key
      </button>
    </span>
  );
}

// Also run by the test suite against the live schema (GraphiQLTests), so it stays valid.
const DEFAULT_QUERY = `# Welcome to Crm.Platform's GraphQL API.
#
# Run the query below with Ctrl+Enter (or the ▶ button). Ctrl+Space
# completes names as you type; the Docs pane (the book, top left) lists
# every type and field.
#
# Requests carry the API key this page was opened with once
# (/graphql?apiKey=<key>; this browser remembers it, see the footer),
# or an Authorization header set in the Headers tab below.

query FirstLook {
  # Who you are, and what you may do.
  me { id name email isAdministrator canConfigure }

  # The ten newest deals: stage, amount, company and contacts.
  deals(first: 10, order: [{ createdAt: DESC }]) {
    totalCount
    nodes {
      id
      title
      opportunity
      currencyId
      stage { name semantics }
      company { title }
      contacts { name lastName }
    }
  }

  # The pipelines deals move through, with their stages.
  pipelines { id name stages { id name } }
}

# Then try a change:
# mutation { createContact(input: { name: "Ann", lastName: "Lee" }) { contact { id } errors { code message path } } }
`;

createRoot(root).render(
  <GraphiQL
    fetcher={fetcher}
    defaultQuery={DEFAULT_QUERY}
    isHeadersEditorEnabled
    shouldPersistHeaders={false}
    defaultEditorToolsVisibility="headers"
  >
    <GraphiQL.Logo>Crm GraphiQL</GraphiQL.Logo>
    <GraphiQL.Footer>
      <ApiKeyStatus />
    </GraphiQL.Footer>
  </GraphiQL>,
);
