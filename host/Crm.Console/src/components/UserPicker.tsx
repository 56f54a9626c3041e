import { useEffect, useState } from 'react';
import { useClient } from 'urql';
import { graphql } from '../gql';
import { useI18n } from '../i18n';
import type { UserRef } from '../metadata/lookups';

const SearchUsers = graphql(`
  query ConsoleSearchUsers($search: String) {
    users(first: 50, active: true, search: $search) { id name lastName }
  }
`);

/** The API's bound on `search` (Limits:MaxSearchLength, 1,000 by default): the box takes no more. */
export const maxSearchLength = 1000;

/**
 * The active users the API's search finds (name, last name, e-mail; 50 at most), asked 250 ms after
 * the last keystroke; null until the first answer. An empty search gives the first 50.
 */
export function useUserSearch(search: string): UserRef[] | null {
  const client = useClient();
  const [found, setFound] = useState<UserRef[] | null>(null);
  useEffect(() => {
    let cancelled = false;
    const timer = window.setTimeout(async () => {
      const result = await client.query(SearchUsers, { search: search.trim() || null }).toPromise();
      const users = (result.data?.users ?? []).map((u) => ({ id: u.id, name: [u.name, u.lastName].filter(Boolean).join(' ') }));
      if (!cancelled) setFound(users);
    }, 250);
    return () => {
      cancelled = true;
      window.clearTimeout(timer);
    };
  }, [client, search]);
  return found;
}

/**
 * Picks an active user by the API's search (name, last name, e-mail) as one types: however many
 * users there are, the one wanted is found. The chosen user stays offered while the search moves on.
 */
export function UserPicker({
  value,
  onChange,
  known,
  id,
  name,
  label,
  emptyLabel,
  invalid,
  describedBy,
}: {
  value: string;
  onChange: (id: string) => void;
  /** Users already loaded (the session's first page): the chosen one's name when the search does not hold it. */
  known: UserRef[];
  id?: string;
  name?: string;
  label?: string;
  /** The text of the empty choice (the bulk bar's "Assign"). */
  emptyLabel?: string;
  invalid?: boolean;
  describedBy?: string;
}) {
  const { t } = useI18n();
  const [search, setSearch] = useState('');
  const found = useUserSearch(search);

  const options = found ?? known.slice(0, 50);
  const chosen = value && !options.some((u) => u.id === value) ? [{ id: value, name: known.find((u) => u.id === value)?.name ?? `#${value}` }] : [];
  return (
    <span className="user-picker">
      <input
        type="search"
        aria-label={`${label ?? t('user.pick')}: ${t('list.search')}`}
        placeholder={t('user.searchPlaceholder')}
        value={search}
        maxLength={maxSearchLength}
        onChange={(e) => setSearch(e.target.value)}
      />
      <select id={id} name={name} aria-label={label} aria-invalid={invalid || undefined} aria-describedby={describedBy} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{emptyLabel ?? ''}</option>
        {[...chosen, ...options].map((u) => (
          <option key={u.id} value={u.id}>
            {u.name}
          </option>
        ))}
      </select>
    </span>
  );
}
