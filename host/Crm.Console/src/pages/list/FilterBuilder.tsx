import { useId, useState } from 'react';
import { useI18n, type MessageKey } from '../../i18n';
import { FieldInput, isChoice, parseInput, type Lookups } from '../../metadata/fields';
import type { EntityFieldInfo, EntityTypeInfo } from '../../metadata/types';

export interface Condition {
  field: string;
  operator: string;
  value: string;
}

/** Operators that take a list of values (comma-separated in the input). */
const listOperators = new Set(['in', 'nin']);
// A part of a text (a currency code's first letters): typed, not picked.
const textOperators = new Set(['contains', 'ncontains', 'startsWith', 'endsWith']);

export function conditionsToWhere(type: EntityTypeInfo, conditions: Condition[]): Record<string, unknown> | null {
  const parts = conditions.flatMap((c) => {
    const field = type.fields.find((f) => f.name === c.field);
    if (!field || !c.operator) return [];
    let value: unknown;
    if (c.operator === 'isNull') value = c.value !== 'false';
    else if (listOperators.has(c.operator)) value = c.value.split(',').map((v) => parseInput(field, v.trim())).filter((v) => v !== null);
    else value = parseInput(field, c.value);
    if (value === null) return [];
    return [{ [field.name]: { [c.operator]: value } }];
  });
  return parts.length ? { and: parts } : null;
}

export function useOperatorLabel(): (op: string) => string {
  const { t } = useI18n();
  return (op) => {
    const key = `op.${op}` as MessageKey;
    const text = t(key);
    return text === key ? op : text;
  };
}

export function FilterBuilder({
  type,
  lookups,
  initial,
  onApply,
}: {
  type: EntityTypeInfo;
  lookups: Lookups;
  initial: Condition[];
  onApply: (conditions: Condition[]) => void;
}) {
  const { t } = useI18n();
  const opLabel = useOperatorLabel();
  const filterable = type.fields.filter((f) => f.filterable && f.operators.length > 0);
  const [rows, setRows] = useState<Condition[]>(initial);
  const baseId = useId();
  const fieldOf = (name: string): EntityFieldInfo | undefined => filterable.find((f) => f.name === name);
  const update = (index: number, change: Partial<Condition>) => setRows(rows.map((r, i) => (i === index ? { ...r, ...change } : r)));

  return (
    <form
      className="filter-builder"
      aria-label={t('list.filters')}
      onSubmit={(e) => {
        e.preventDefault();
        onApply(rows);
      }}
    >
      {rows.map((row, index) => {
        const field = fieldOf(row.field);
        const id = `${baseId}-${index}`;
        return (
          <fieldset key={index} className="condition">
            <legend className="visually-hidden">{`${t('list.filters')} ${index + 1}`}</legend>
            <select
              aria-label={t('list.field')}
              value={row.field}
              onChange={(e) => update(index, { field: e.target.value, operator: fieldOf(e.target.value)?.operators[0] ?? '', value: '' })}
            >
              {filterable.map((f) => (
                <option key={f.name} value={f.name}>
                  {f.label}
                </option>
              ))}
            </select>
            <select aria-label={t('list.operator')} value={row.operator} onChange={(e) => update(index, { operator: e.target.value })}>
              {(field?.operators ?? []).map((op) => (
                <option key={op} value={op}>
                  {opLabel(op)}
                </option>
              ))}
            </select>
            {field &&
              (row.operator === 'isNull' ? (
                <select aria-label={t('list.value')} value={row.value || 'true'} onChange={(e) => update(index, { value: e.target.value })}>
                  <option value="true">{t('bool.true')}</option>
                  <option value="false">{t('bool.false')}</option>
                </select>
              ) : listOperators.has(row.operator) && isChoice(field) ? (
                // Several of the field's items, picked (kept as their ids, comma-separated, like typed values).
                <select
                  multiple
                  aria-label={t('list.value')}
                  id={id}
                  value={row.value ? row.value.split(',') : []}
                  onChange={(e) => update(index, { value: [...e.target.selectedOptions].map((o) => o.value).join(',') })}
                >
                  {field.options.map((o) => (
                    <option key={o.id} value={o.id}>
                      {o.value}
                    </option>
                  ))}
                </select>
              ) : listOperators.has(row.operator) || (field.type === 'CURRENCY' && textOperators.has(row.operator)) ? (
                <input aria-label={t('list.value')} id={id} value={row.value} placeholder={listOperators.has(row.operator) ? 'a, b, c' : undefined} onChange={(e) => update(index, { value: e.target.value })} />
              ) : (
                <FieldInput field={field} value={row.value} onChange={(v) => update(index, { value: v })} lookups={lookups} id={id} label={t('list.value')} />
              ))}
            <button type="button" className="link" onClick={() => setRows(rows.filter((_, i) => i !== index))}>
              {t('list.removeFilter')}
            </button>
          </fieldset>
        );
      })}
      <div className="filter-actions">
        <button
          type="button"
          disabled={filterable.length === 0}
          onClick={() => {
            const first = filterable[0]!;
            setRows([...rows, { field: first.name, operator: first.operators[0] ?? 'eq', value: '' }]);
          }}
        >
          {t('list.addFilter')}
        </button>
        <button type="submit" className="primary">
          {t('list.apply')}
        </button>
        <button
          type="button"
          onClick={() => {
            setRows([]);
            onApply([]);
          }}
        >
          {t('list.clear')}
        </button>
      </div>
    </form>
  );
}
