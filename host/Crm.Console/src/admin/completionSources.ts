// What the automation editors' completion is drawn from, asked of the API once per page: the
// catalog's kinds and parameters, the selection lists' items, and the record types' fields.

import { useCallback } from 'react';
import { useQuery } from 'urql';
import { useI18n, type MessageKey } from '../i18n';
import { useEntityTypes } from '../metadata/entityTypes';
import type { AutomationCatalog, ListItems, RuleCompletionSources } from './ruleCompletion';

const completionQuery = `query AdminRuleCompletion {
  automationCatalog {
    triggers { name description appliesTo parameters { name type description required allowedValues recordTypeFrom } }
    actions { name description appliesTo parameters { name type description required allowedValues recordTypeFrom } }
  }
  selectionLists { entityId items { id name } }
}`;

/**
 * The sources for a record type's completions; `descriptions` are the catalog prefixes whose
 * `key.NAME` texts describe a key, the first that has one winning (a process step's own, then a rule's).
 */
export function useCompletionSources(descriptions: string[]): (entityType: string) => RuleCompletionSources {
  const { t } = useI18n();
  // Asked again each time an editor opens: a pipeline or list item added meanwhile is offered.
  const [{ data }] = useQuery<{ automationCatalog: AutomationCatalog; selectionLists: ListItems[] }>({ query: completionQuery, requestPolicy: 'cache-and-network' });
  const types = useEntityTypes();
  const prefixes = descriptions.join('|');
  return useCallback(
    (entityType: string) => ({
      catalog: data?.automationCatalog ?? null,
      entityType,
      types,
      lists: data?.selectionLists ?? [],
      describe: (key: string) => {
        for (const prefix of prefixes.split('|')) {
          const message = `${prefix}.key.${key}` as MessageKey;
          const text = t(message);
          if (text !== message) return text;
        }
        return '';
      },
    }),
    [data, types, t, prefixes],
  );
}
