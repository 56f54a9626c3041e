import { useMemo } from 'react';
import { useI18n } from '../../i18n';
import { enumLabel, partLabel } from '../../metadata/fields';
import { CurrencySelect, useDefaultCurrency } from '../../components/CurrencySelect';
import { useEntityTypes } from '../../metadata/entityTypes';
import { isNumericPart, type Part } from '../../metadata/shapes';
import type { EntityFieldInfo } from '../../metadata/types';
import { linkTitles, RecordLinkInput } from './RecordLinkInput';

// The editor of a composite value (a contact's phones, an address, a money value, a record link),
// drawn from its parts: an enum part is a choice of its values, a number part (a money's amount) a
// number box, a currency a choice of the API's currencies (`currencies`, the deployment's default first),
// any other a text box; a record link is picked by its title (RecordLinkInput), among the record types
// the field allows (its `recordTypes`). A multi-valued field is a list of such rows, added and removed in
// place; the whole list is written, as the API replaces it.

export type CompositeItem = Record<string, string>;

/** What a new row starts from where the field says nothing: the deployment's default currency, the first record type the user may link to. */
export interface RowDefaults {
  currency?: string;
  entityType?: string;
}

/** The rows an editor starts from: the stored value (one object or a list of them) as text per part. */
export function itemsOf(field: EntityFieldInfo, parts: Part[], value: unknown, defaults: RowDefaults = {}): CompositeItem[] {
  const values = Array.isArray(value) ? value : value ? [value] : [];
  const items = values.map((v) => Object.fromEntries(parts.map((p) => [p.name, String((v as Record<string, unknown>)[p.name] ?? '')])));
  return field.list || items.length > 0 ? items : [emptyItem(parts, defaults)];
}

/** A new row: each choice at its first value (a link's at the first type the user may link to), a currency at the default when known. */
function emptyItem(parts: Part[], defaults: RowDefaults): CompositeItem {
  return Object.fromEntries(
    parts.map((p) => [p.name, (p.name === 'entityType' ? defaults.entityType : undefined) ?? (isCurrencyPart(p) ? (defaults.currency ?? '') : (p.enumValues?.[0] ?? ''))]),
  );
}

/**
 * The record types a link of the field may name: those it allows (its recordTypes, in its order),
 * else, for a field allowing every type (recordTypes null), every type of the schema's enum; of them,
 * those the user may read (readable: the metadata's types) when given.
 */
export function linkableTypes(field: EntityFieldInfo, parts: Part[], readable?: readonly string[]): string[] | undefined {
  if (field.type !== 'RECORD_REFERENCE' || !parts.some((p) => p.name === 'id')) return undefined;
  const all = parts.find((p) => p.name === 'entityType')?.enumValues ?? undefined;
  const allowed = all && field.recordTypes ? field.recordTypes.filter((t) => all.includes(t)) : all;
  return readable && allowed ? allowed.filter((t) => readable.includes(t)) : allowed;
}

/** What the field's new rows start from: the default currency, the first type the user may link to. */
export function useRowDefaults(field: EntityFieldInfo, parts: Part[] | undefined): RowDefaults {
  const currency = useDefaultCurrency();
  const readable = useEntityTypes().map((t) => t.name);
  return { currency, entityType: parts ? linkableTypes(field, parts, readable)?.[0] : undefined };
}

/**
 * What the update takes: the rows with any text (parts left empty out), one object or null for a
 * single value. A row holding only choices (a phone's kind, a link's record type) says nothing and goes.
 */
export function inputOf(field: EntityFieldInfo, parts: Part[], items: CompositeItem[]): unknown {
  // A currency is picked like a choice: a row holding only it says nothing either.
  const chosen = new Set(parts.filter((p) => p.enumValues || isCurrencyPart(p)).map((p) => p.name));
  const numbers = new Set(parts.filter(isNumericPart).map((p) => p.name));
  const written = items
    .map((item) =>
      Object.fromEntries(
        Object.entries(item)
          .filter(([, v]) => v.trim() !== '')
          // A number part is written as a number (a decimal comma taken as a point); what is no number goes as typed, for the API to refuse.
          .map(([part, v]) => [part, numbers.has(part) && Number.isFinite(Number(v.replace(',', '.'))) ? Number(v.replace(',', '.')) : v.trim()]),
      ),
    )
    .filter((item) => Object.keys(item).some((part) => !chosen.has(part)));
  return field.list ? written : (written[0] ?? null);
}

export function CompositeInput({
  field,
  parts,
  stored,
  items,
  onChange,
  id,
  invalid,
  describedBy,
}: {
  field: EntityFieldInfo;
  parts: Part[];
  /** The value editing began from: a record link's title comes with it. */
  stored: unknown;
  items: CompositeItem[];
  onChange: (items: CompositeItem[]) => void;
  id: string;
  invalid: boolean;
  describedBy?: string;
}) {
  const { t } = useI18n();
  const set = (index: number, part: string, text: string) => onChange(items.map((item, i) => (i === index ? { ...item, [part]: text } : item)));
  const linkable = linkableTypes(field, parts);
  const known = useMemo(() => linkTitles(stored), [stored]);
  const defaults = useRowDefaults(field, parts);
  return (
    <div className="composite-input" id={id} role="group" aria-label={field.label} aria-describedby={describedBy}>
      {items.map((item, index) => {
        const row = field.list ? ` ${index + 1}` : '';
        return (
          <div key={index} className="composite-row">
            {linkable ? (
              <RecordLinkInput
                label={`${field.label}${row}`}
                item={item}
                onChange={(changed) => onChange(items.map((other, i) => (i === index ? changed : other)))}
                linkable={linkable}
                known={known}
                invalid={invalid}
              />
            ) : (
              parts.map((part) => {
                const label = `${field.label}${row}: ${partLabel(t, part.name)}`;
                if (isCurrencyPart(part)) {
                  return <CurrencySelect key={part.name} label={label} value={item[part.name] ?? ''} invalid={invalid} onChange={(code) => set(index, part.name, code)} />;
                }
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
                    type={isNumericPart(part) ? 'number' : 'text'}
                    step={isNumericPart(part) ? 'any' : undefined}
                    aria-label={label}
                    placeholder={partLabel(t, part.name)}
                    value={item[part.name] ?? ''}
                    aria-invalid={invalid || undefined}
                    onChange={(e) => set(index, part.name, e.target.value)}
                  />
                );
              })
            )}
            {field.list && (
              <button type="button" aria-label={t('record.removeValue', { field: field.label, n: index + 1 })} onClick={() => onChange(items.filter((_, i) => i !== index))}>
                ✕
              </button>
            )}
          </div>
        );
      })}
      {field.list && (
        <button type="button" onClick={() => onChange([...items, emptyItem(parts, defaults)])}>
          {t('record.addValue', { field: field.label })}
        </button>
      )}
    </div>
  );
}

/** A part that names a currency (a money's currency): offered the ISO 4217 codes. */
function isCurrencyPart(part: Part): boolean {
  return part.scalar === 'String' && /^currency(Id|Code)?$/.test(part.name);
}
