import { useEffect, useId, useState } from 'react';
import { useClient } from 'urql';
import { useI18n } from '../i18n';
import type { EntityTypeInfo } from '../metadata/types';

/** Picks an existing record of a type by the API's search (name, e-mail, phone ...). */
export function RecordPicker({ type, value, onChange, label }: { type: EntityTypeInfo; value: string; onChange: (id: string) => void; label: string }) {
  const { t } = useI18n();
  const client = useClient();
  const id = useId();
  const [search, setSearch] = useState('');
  const [options, setOptions] = useState<{ id: string; title: string }[]>([]);

  useEffect(() => {
    let cancelled = false;
    const timer = window.setTimeout(async () => {
      const result = await client
        .query(`query ConsolePick($search: String) { list: ${type.listField}(search: $search, first: 20) { nodes { id ${type.titleField} } } }`, { search: search.trim() || null })
        .toPromise();
      const nodes = (result.data as { list?: { nodes: Record<string, unknown>[] } } | undefined)?.list?.nodes ?? [];
      if (!cancelled) setOptions(nodes.map((n) => ({ id: String(n.id), title: String(n[type.titleField] ?? `#${String(n.id)}`) })));
    }, 250);
    return () => {
      cancelled = true;
      window.clearTimeout(timer);
    };
  }, [client, type, search]);

  return (
    <div className="record-picker">
      <input type="search" aria-label={`${label}: ${t('list.search')}`} value={search} placeholder={t('list.searchPlaceholder')} maxLength={1000} onChange={(e) => setSearch(e.target.value)} />
      <select id={id} aria-label={label} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="" />
        {options.map((o) => (
          <option key={o.id} value={o.id}>
            {o.title}
          </option>
        ))}
      </select>
    </div>
  );
}
