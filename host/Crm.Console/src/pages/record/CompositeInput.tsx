import { useI18n } from '../../i18n';
import { enumLabel, partLabel } from '../../metadata/fields';
import type { Part } from '../../metadata/shapes';
import type { EntityFieldInfo } from '../../metadata/types';

// The editor of a composite value (a contact's phones, an address, a record link), drawn from its
// parts: an enum part is a choice of its values, any other a text box. A multi-valued field is a
// list of such rows, added and removed in place; the whole list is written, as the API replaces it.

export type CompositeItem = Record<string, string>;

/** The rows an editor starts from: the stored value (one object or a list of them) as text per part. */
export function itemsOf(field: EntityFieldInfo, parts: Part[], value: unknown): CompositeItem[] {
  const values = Array.isArray(value) ? value : value ? [value] : [];
  const items = values.map((v) => Object.fromEntries(parts.map((p) => [p.name, String((v as Record<string, unknown>)[p.name] ?? '')])));
  return field.list || items.length > 0 ? items : [emptyItem(parts)];
}

function emptyItem(parts: Part[]): CompositeItem {
  return Object.fromEntries(parts.map((p) => [p.name, p.enumValues?.[0] ?? '']));
}

/** What the update takes: the rows with any text (parts left empty out), one object or null for a single value. */
export function inputOf(field: EntityFieldInfo, items: CompositeItem[]): unknown {
  const written = items
    .map((item) => Object.fromEntries(Object.entries(item).filter(([, v]) => v.trim() !== '')))
    .filter((item) => Object.keys(item).length > 0);
  return field.list ? written : (written[0] ?? null);
}

export function CompositeInput({
  field,
  parts,
  items,
  onChange,
  id,
  invalid,
  describedBy,
}: {
  field: EntityFieldInfo;
  parts: Part[];
  items: CompositeItem[];
  onChange: (items: CompositeItem[]) => void;
  id: string;
  invalid: boolean;
  describedBy?: string;
}) {
  const { t } = useI18n();
  const set = (index: number, part: string, text: string) => onChange(items.map((item, i) => (i === index ? { ...item, [part]: text } : item)));
  return (
    <div className="composite-input" id={id} role="group" aria-label={field.label} aria-describedby={describedBy}>
      {items.map((item, index) => {
        const row = field.list ? ` ${index + 1}` : '';
        return (
          <div key={index} className="composite-row">
            {parts.map((part) => {
              const label = `${field.label}${row}: ${partLabel(t, part.name)}`;
              return part.enumValues ? (
                <select key={part.name} aria-label={label} value={item[part.name] ?? ''} aria-invalid={invalid || undefined} onChange={(e) => set(index, part.name, e.target.value)}>
                  {part.enumValues.map((v) => (
                    <option key={v} value={v}>
                      {enumLabel(t, v)}
                    </option>
                  ))}
                </select>
              ) : (
                <input
                  key={part.name}
                  type="text"
                  aria-label={label}
                  placeholder={partLabel(t, part.name)}
                  value={item[part.name] ?? ''}
                  aria-invalid={invalid || undefined}
                  onChange={(e) => set(index, part.name, e.target.value)}
                />
              );
            })}
            {field.list && (
              <button type="button" aria-label={t('record.removeValue', { field: field.label, n: index + 1 })} onClick={() => onChange(items.filter((_, i) => i !== index))}>
                ✕
              </button>
            )}
          </div>
        );
      })}
      {field.list && (
        <button type="button" onClick={() => onChange([...items, emptyItem(parts)])}>
          {t('record.addValue', { field: field.label })}
        </button>
      )}
    </div>
  );
}
