import { useI18n } from '../../i18n';
import { FieldInput, inputText, parseInput, type Lookups } from '../../metadata/fields';
import type { UserError } from '../../metadata/operations';
import type { EntityFieldInfo } from '../../metadata/types';

// The editor of a plain field that holds several values (a custom field with `multiple`: several
// strings, numbers, dates ...): one input per value, the field's own editor, rows added and removed
// in place. The whole list is written, as the API replaces it.

/** Whether the field is edited here: several values, each one a text box or choice takes (a money value's amount and currency are not). */
export function editsAsValues(field: EntityFieldInfo): boolean {
  return field.list && field.type !== 'MONEY';
}

/** The rows an editor starts from: the stored values as text. */
export function rowsOf(field: EntityFieldInfo, value: unknown): string[] {
  return (Array.isArray(value) ? value : value == null ? [] : [value]).map((v) => inputText(field, v));
}

/** The rows left empty go: what remains is written, in order, so the API's indexes name these rows. */
export function keptRows(rows: string[]): string[] {
  return rows.filter((row) => row.trim() !== '');
}

/** What the update takes: every kept row as the field's value. */
export function valuesOf(field: EntityFieldInfo, rows: string[]): unknown[] {
  return keptRows(rows).map((row) => parseInput(field, row));
}

/**
 * The rows the API refused, by the index that follows the field's name in an error's path (input,
 * ufCrmTags, 1); every row when a refusal names none (too many values).
 */
export function refusedRows(field: EntityFieldInfo, errors: UserError[], rowCount: number): Set<number> {
  const rows = new Set<number>();
  for (const e of errors) {
    const at = e.path.indexOf(field.name);
    const index = at >= 0 ? Number(e.path[at + 1]) : Number.NaN;
    if (Number.isInteger(index)) rows.add(index);
    else for (let i = 0; i < rowCount; i++) rows.add(i);
  }
  return rows;
}

/** The marks kept when a row goes: those after it move up one. */
function withoutRow(marked: ReadonlySet<number>, removed: number): Set<number> {
  return new Set([...marked].filter((i) => i !== removed).map((i) => (i > removed ? i - 1 : i)));
}

export function ValuesInput({
  field,
  rows,
  onChange,
  lookups,
  id,
  invalidRows,
  onInvalidRowsChange,
  describedBy,
}: {
  field: EntityFieldInfo;
  rows: string[];
  onChange: (rows: string[]) => void;
  lookups: Lookups;
  id: string;
  /** The rows the API refused at the last save, marked until the next (a removed row's mark goes with it). */
  invalidRows: ReadonlySet<number>;
  onInvalidRowsChange: (rows: Set<number>) => void;
  describedBy?: string;
}) {
  const { t } = useI18n();
  return (
    <div className="composite-input" id={id} role="group" aria-label={field.label} aria-describedby={describedBy}>
      {rows.map((row, index) => (
        <div key={index} className="composite-row">
          <FieldInput
            field={field}
            value={row}
            onChange={(text) => onChange(rows.map((r, i) => (i === index ? text : r)))}
            lookups={lookups}
            label={`${field.label} ${index + 1}`}
            invalid={invalidRows.has(index)}
            describedBy={invalidRows.has(index) ? describedBy : undefined}
          />
          <button
            type="button"
            aria-label={t('record.removeValue', { field: field.label, n: index + 1 })}
            onClick={() => {
              onInvalidRowsChange(withoutRow(invalidRows, index));
              onChange(rows.filter((_, i) => i !== index));
            }}
          >
            ✕
          </button>
        </div>
      ))}
      <button type="button" onClick={() => onChange([...rows, ''])}>
        {t('record.addValue', { field: field.label })}
      </button>
    </div>
  );
}
