import { useMemo } from 'react';
import { useQuery } from 'urql';
import { graphql } from '../gql';

// What a list field's value or a user id stands for: every selection list and the users, loaded
// once per session (urql keeps them) and looked up by every list, record page and board.

const SelectionListsQuery = graphql(`
  query ConsoleSelectionLists {
    selectionLists {
      entityId
      items { id name color semantics sort }
    }
  }
`);

const UsersQuery = graphql(`
  query ConsoleUsers {
    users(first: 200, active: true) { id name lastName }
  }
`);

const CurrenciesQuery = graphql(`
  query ConsoleCurrencies($language: String) {
    currencies(language: $language) { code name default }
  }
`);

export interface ListItem {
  id: string;
  name: string;
  color?: string | null;
  semantics?: string | null;
}

export function useSelectionLists(): Map<string, ListItem[]> {
  const [result] = useQuery({ query: SelectionListsQuery, requestPolicy: 'cache-first' });
  return useMemo(() => new Map((result.data?.selectionLists ?? []).map((l) => [l.entityId, l.items as ListItem[]])), [result.data]);
}

export interface UserRef {
  id: string;
  name: string;
}

/** The active users (the first 200 the API gives; a larger company sees ids for the rest). */
export function useUsers(): UserRef[] {
  const [result] = useQuery({ query: UsersQuery, requestPolicy: 'cache-first' });
  return useMemo(
    () => (result.data?.users ?? []).map((u) => ({ id: u.id, name: [u.name, u.lastName].filter(Boolean).join(' ') })),
    [result.data],
  );
}

export interface CurrencyRef {
  code: string;
  name: string;
}

/** The ISO 4217 currencies the API lists (the deployment's default first), named in the console's language. */
export function useCurrencies(language: string): CurrencyRef[] {
  const [result] = useQuery({ query: CurrenciesQuery, variables: { language }, requestPolicy: 'cache-first' });
  return useMemo(() => (result.data?.currencies ?? []).map((c) => ({ code: c.code, name: c.name })), [result.data]);
}
