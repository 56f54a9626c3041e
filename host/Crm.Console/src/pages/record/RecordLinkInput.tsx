import { useEffect, useState } from 'react';
import { useClient } from 'urql';
import { useI18n } from '../../i18n';
import { useEntityTypes } from '../../metadata/entityTypes';
import { objectLabel, partLabel } from '../../metadata/fields';
import type { EntityTypeInfo } from '../../metadata/types';
import type { CompositeItem } from './CompositeInput';

// A custom field's link to a record, picked by its title: the record type, then the records of that
// type the API's search finds as one types (the type's own list, `search:`, 20 at a time), so a
// link is made without knowing an id. The record chosen stays offered while the search moves on.

/** The list takes the same bound on `search` as every list (Limits:MaxSearchLength, 1,000 by default). */
const maxSearchLength = 1000;
const pageSize = 20;

interface Found {
  id: string;
  title: string;
}

function searchQuery(type: EntityTypeInfo): string {
  // A type the search does not cover is offered its first records.
  return type.searchable
    ? `query ConsoleLinkSearch($search: String) { list: ${type.listField}(search: $search, first: ${pageSize}) { nodes { id ${type.titleField} } } }`
    : `query ConsoleLinkSearch { list: ${type.listField}(first: ${pageSize}) { nodes { id ${type.titleField} } } }`;
}

/** The titles of the records a stored link value names (its `record`, selected with it), by type and id. */
export function linkTitles(value: unknown): Map<string, string> {
  const titles = new Map<string, string>();
  for (const v of Array.isArray(value) ? value : value ? [value] : []) {
    const link = v as { entityType?: string; id?: string; record?: unknown };
    const title = objectLabel(link.record);
    if (link.entityType && link.id && title) titles.set(`${link.entityType}:${link.id}`, title);
  }
  return titles;
}

export function RecordLinkInput({
  label,
  item,
  onChange,
  linkable,
  known,
  invalid,
}: {
  /** The row's label (Partner 2): each control's label starts with it. */
  label: string;
  item: CompositeItem;
  onChange: (item: CompositeItem) => void;
  /** The record types a link may name (the field's recordTypes, else every CrmEntityType value). */
  linkable: string[];
  /** The titles of the records linked when editing began (linkTitles). */
  known: ReadonlyMap<string, string>;
  invalid: boolean;
}) {
  const { t } = useI18n();
  const client = useClient();
  const types = useEntityTypes();
  // In the order the field gives its types; those the caller may not read are left out.
  const readable = linkable.flatMap((name) => types.filter((type) => type.name === name));
  const entityType = item.entityType ?? '';
  const type = readable.find((candidate) => candidate.name === entityType);
  const [search, setSearch] = useState('');
  const [found, setFound] = useState<Found[]>([]);
  const [picked, setPicked] = useState<Found | null>(null);

  useEffect(() => {
    if (!type) return;
    let cancelled = false;
    const timer = window.setTimeout(async () => {
      const variables = type.searchable ? { search: search.trim() || null } : {};
      const result = await client.query<{ list: { nodes: Record<string, unknown>[] } }>(searchQuery(type), variables, { requestPolicy: 'network-only' }).toPromise();
      const nodes = (result.data?.list.nodes ?? []).map((n) => ({ id: String(n.id), title: objectLabel(n) ?? `#${String(n.id)}` }));
      if (!cancelled) setFound(nodes);
    }, 250);
    return () => {
      cancelled = true;
      window.clearTimeout(timer);
    };
  }, [client, type, search]);

  const id = item.id ?? '';
  const chosen: Found[] =
    id && !found.some((f) => f.id === id) ? [{ id, title: (picked?.id === id ? picked.title : known.get(`${entityType}:${id}`)) ?? `#${id}` }] : [];
  return (
    <span className="record-link-input">
      <select
        aria-label={`${label}: ${partLabel(t, 'entityType')}`}
        value={entityType}
        aria-invalid={invalid || undefined}
        onChange={(e) => {
          setFound([]);
          setSearch('');
          onChange({ ...item, entityType: e.target.value, id: '' });
        }}
      >
        {!type && <option value={entityType}>{entityType}</option>}
        {readable.map((r) => (
          <option key={r.name} value={r.name}>
            {r.label}
          </option>
        ))}
      </select>
      <input
        type="search"
        aria-label={`${label}: ${t('list.search')}`}
        placeholder={t('list.search')}
        value={search}
        maxLength={maxSearchLength}
        disabled={!type?.searchable}
        onChange={(e) => setSearch(e.target.value)}
      />
      <select
        aria-label={`${label}: ${partLabel(t, 'id')}`}
        value={id}
        aria-invalid={invalid || undefined}
        onChange={(e) => {
          setPicked(found.find((f) => f.id === e.target.value) ?? null);
          onChange({ ...item, id: e.target.value });
        }}
      >
        <option value="" />
        {[...chosen, ...found].map((f) => (
          <option key={f.id} value={f.id}>
            {f.title}
          </option>
        ))}
      </select>
    </span>
  );
}
