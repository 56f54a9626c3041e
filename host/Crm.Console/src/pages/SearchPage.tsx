import { useMemo } from 'react';
import { useQuery } from 'urql';
import { Link, useSearch } from 'wouter';
import { useI18n } from '../i18n';
import { listPath, recordPath, useEntityTypes } from '../metadata/entityTypes';
import type { Row } from '../metadata/operations';
import { Problem } from '../components/Problem';

/** How many of each type the search shows; the type's list (its own search) has the rest. */
const perType = 5;

/** The top bar's search: every type that takes a search, in one request, a few records of each. */
export function SearchPage() {
  const { t } = useI18n();
  const text = new URLSearchParams(useSearch()).get('q')?.trim().slice(0, 1000) ?? '';
  const types = useEntityTypes().filter((type) => type.searchable && type.name !== 'ACTIVITY');
  const query = useMemo(
    () =>
      `query ConsoleSearch($search: String!) {\n${types
        .map((type, i) => `t${i}: ${type.listField}(search: $search, first: ${perType}) { nodes { id ${type.titleField} } pageInfo { hasNextPage } }`)
        .join('\n')}\n}`,
    [types],
  );
  const [result] = useQuery<Record<string, { nodes: Row[]; pageInfo: { hasNextPage: boolean } }>>({
    query,
    variables: { search: text },
    pause: !text || types.length === 0,
  });

  return (
    <section className="page search-page">
      <h1>{t('search.title', { text })}</h1>
      {result.error && <Problem message={result.error.message} />}
      {result.fetching && <p className="loading">{t('app.loading')}</p>}
      {result.data && types.every((_, i) => (result.data?.[`t${i}`]?.nodes.length ?? 0) === 0) && <p className="empty">{t('search.none')}</p>}
      {result.data &&
        types.map((type, i) => {
          const found = result.data?.[`t${i}`];
          if (!found || found.nodes.length === 0) return null;
          return (
            <section key={type.name} className="search-group" aria-label={type.pluralLabel}>
              <h2>
                <Link href={listPath(type.name)}>{type.pluralLabel}</Link>
              </h2>
              <ul>
                {found.nodes.map((n) => (
                  <li key={n.id}>
                    <Link href={recordPath(type.name, n.id)}>{String(n[type.titleField] ?? `#${n.id}`)}</Link>
                  </li>
                ))}
                {found.pageInfo.hasNextPage && <li className="muted">…</li>}
              </ul>
            </section>
          );
        })}
    </section>
  );
}
