import { useEffect, useState } from 'react';
import { useClient } from 'urql';
import { graphql } from '../gql';
import { useI18n } from '../i18n';
import type { UserRef } from '../metadata/lookups';
import { maxSearchLength, useUserSearch } from './UserPicker';

const UserName = graphql(`
  query ConsoleUserName($id: ID!) {
    user(id: $id) { id name lastName }
  }
`);

/**
 * Chooses several users: those chosen are listed first (unticked to drop), then whom the API's
 * search finds as one types (50 at a time), so a user beyond any first page is found. A chosen
 * user no loaded page names (a view shared before, reopened) is asked for by id, once.
 */
export function UserChecklist({
  value,
  onChange,
  known,
  legend,
}: {
  value: string[];
  onChange: (ids: string[]) => void;
  /** Users already loaded (the session's first page): the names of those chosen, when they hold them. */
  known: UserRef[];
  legend: string;
}) {
  const { t } = useI18n();
  const client = useClient();
  const [search, setSearch] = useState('');
  const found = useUserSearch(search);
  // Names learnt from searches and by id, so a chosen user keeps their name when the search moves on.
  const [names, setNames] = useState<Map<string, string>>(() => new Map(known.map((u) => [u.id, u.name])));

  useEffect(() => {
    if (!found) return;
    setNames((previous) => (found.every((u) => previous.has(u.id)) ? previous : new Map([...previous, ...found.map((u) => [u.id, u.name] as const)])));
  }, [found]);

  // The chosen users no page named: one small query each (a view is shared with at most Views:MaxSharedUsers).
  const [asked] = useState(() => value.filter((id) => !names.has(id)));
  useEffect(() => {
    let cancelled = false;
    for (const id of asked) {
      void client
        .query(UserName, { id })
        .toPromise()
        .then((result) => {
          const u = result.data?.user;
          if (!cancelled && u) setNames((previous) => new Map(previous).set(u.id, [u.name, u.lastName].filter(Boolean).join(' ')));
        });
    }
    return () => {
      cancelled = true;
    };
  }, [client, asked]);

  const chosen = new Set(value);
  const toggle = (id: string, on: boolean) => onChange(on ? [...value, id] : value.filter((v) => v !== id));
  const box = (u: UserRef) => (
    <label key={u.id} className="check">
      <input type="checkbox" checked={chosen.has(u.id)} onChange={(e) => toggle(u.id, e.target.checked)} />
      {u.name}
    </label>
  );
  return (
    <fieldset className="user-checklist">
      <legend>{legend}</legend>
      {value.length > 0 && (
        <div role="group" aria-label={t('user.chosen')}>
          {value.map((id) => box({ id, name: names.get(id) ?? `#${id}` }))}
        </div>
      )}
      <input
        type="search"
        aria-label={`${legend}: ${t('list.search')}`}
        placeholder={t('user.searchPlaceholder')}
        value={search}
        maxLength={maxSearchLength}
        onChange={(e) => setSearch(e.target.value)}
      />
      <div role="group" aria-label={t('user.found')}>
        {(found ?? known.slice(0, 50)).filter((u) => !chosen.has(u.id)).map(box)}
      </div>
    </fieldset>
  );
}
