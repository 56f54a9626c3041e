import { useId } from 'react';
import { useI18n, type Translate } from '../../../i18n';
import { useDefaultCurrency } from '../../../components/CurrencySelect';
import { FieldInput, parseInput, type Lookups } from '../../../metadata/fields';
import { moneyParts, takesOneInput, type Shapes } from '../../../metadata/shapes';
import { CompositeInput, inputOf, itemsOf, type CompositeItem } from '../../record/CompositeInput';
import type { EntityFieldInfo, EntityTypeInfo } from '../../../metadata/types';
import type { Preview } from './importApi';

// Which column fills which field, and the values rows get where they leave a field empty.

/** A field a column may fill: any the type's create takes but addresses and record links (one cell cannot give them). */
export function importableFields(type: EntityTypeInfo): EntityFieldInfo[] {
  return type.fields.filter((f) => !f.readOnly && f.name !== 'id' && f.type !== 'ADDRESS' && f.type !== 'RECORD_REFERENCE');
}

export interface Target {
  value: string;
  label: string;
}

/** Value types with a name of their own in each language; the rest are services' names (Facebook, Telegram ...). */
const namedValueTypes = ['WORK', 'MOBILE', 'FAX', 'HOME', 'PAGER', 'MAILING', 'OTHER'] as const;

/** The targets the API offers for each column (every field, each contact point also by value type: "Phone (mobile)", input-only links), labelled. */
export function importTargets(offered: Preview['targets'], t: Translate): Target[] {
  return offered.map((o) => {
    if (!o.valueType) return { value: o.field, label: o.label };
    const named = namedValueTypes.find((v) => v === o.valueType);
    const valueType = named ? t(`import.valueType.${named}`) : o.valueType.charAt(0) + o.valueType.slice(1).toLowerCase();
    return { value: o.field, label: t('import.target', { field: o.label, valueType }) };
  });
}

export interface ImportColumn {
  /** What the mapping names: the header, or the 1-based number without a header row. */
  key: string;
  label: string;
  sample: string;
}

export interface DefaultValue {
  field: string;
  value: string;
  /** A money value's rows (amount and currency), for a MONEY field. */
  items?: CompositeItem[];
}

/** The fields a default may be given: those one box or choice takes, and money values (one or several). */
export function defaultableFields(fields: EntityFieldInfo[], shapes: Shapes): EntityFieldInfo[] {
  return fields.filter((f) => takesOneInput(shapes, f) || !!moneyParts(shapes, f));
}

/** A default as the create input takes it; null when it gives nothing. */
export function defaultInput(field: EntityFieldInfo, shapes: Shapes, value: DefaultValue): unknown {
  const parts = moneyParts(shapes, field);
  if (!parts) return parseInput(field, value.value);
  const given = inputOf(field, parts, value.items ?? []);
  return Array.isArray(given) && given.length === 0 ? null : given;
}

export function MappingTable({
  columns,
  targets,
  mapping,
  suggested,
  errors,
  onChange,
}: {
  columns: ImportColumn[];
  targets: Target[];
  mapping: Record<string, string>;
  suggested: Record<string, string>;
  /** The API's refusals by column. */
  errors: Map<string, string[]>;
  onChange: (column: string, field: string) => void;
}) {
  const { t } = useI18n();
  const baseId = useId();
  const mapped = columns.filter((c) => mapping[c.key]).length;
  return (
    <fieldset className="import-mapping">
      <legend>{t('import.mapping')}</legend>
      <p className="muted">{t('import.mappedCount', { mapped, count: columns.length })}</p>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">{t('import.column')}</th>
              <th scope="col">{t('import.sample')}</th>
              <th scope="col">{t('import.field')}</th>
            </tr>
          </thead>
          <tbody>
            {columns.map((c, index) => {
              const problems = errors.get(c.key) ?? [];
              const errorId = `${baseId}-${index}`;
              return (
                <tr key={index} data-column={c.key}>
                  <th scope="row">{c.label}</th>
                  <td className="muted">{c.sample}</td>
                  <td>
                    <select
                      aria-label={t('import.fieldFor', { column: c.label })}
                      value={mapping[c.key] ?? ''}
                      aria-invalid={problems.length > 0 || undefined}
                      aria-describedby={problems.length > 0 ? errorId : undefined}
                      onChange={(e) => onChange(c.key, e.target.value)}
                    >
                      <option value="">{t('import.skip')}</option>
                      {targets.map((target) => (
                        <option key={target.value} value={target.value}>
                          {target.label}
                          {suggested[c.key] === target.value ? ` (${t('import.suggested')})` : ''}
                        </option>
                      ))}
                    </select>
                    {problems.length > 0 && (
                      <p id={errorId} className="error" role="alert">
                        {problems.join(' ')}
                      </p>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </fieldset>
  );
}

/** Values given to every row whose own cell for the field is empty (the API's defaults). */
export function DefaultValues({
  fields,
  shapes,
  values,
  lookups,
  errors,
  onChange,
}: {
  fields: EntityFieldInfo[];
  /** The schema's shapes: a default is offered for a field one box or choice takes, and for a money value. */
  shapes: Shapes;
  values: DefaultValue[];
  lookups: Lookups;
  errors: string[];
  onChange: (values: DefaultValue[]) => void;
}) {
  const { t } = useI18n();
  const id = useId();
  const scalars = defaultableFields(fields, shapes);
  const currency = useDefaultCurrency();
  const set = (index: number, value: DefaultValue) => onChange(values.map((v, i) => (i === index ? value : v)));
  return (
    <fieldset className="import-defaults">
      <legend>{t('import.defaults')}</legend>
      {values.map((v, i) => {
        const field = scalars.find((f) => f.name === v.field);
        const parts = field ? moneyParts(shapes, field) : undefined;
        return (
          <div key={i} className="import-default">
            <select
              aria-label={t('import.defaultField')}
              value={v.field}
              onChange={(e) => {
                const chosen = scalars.find((f) => f.name === e.target.value);
                const money = chosen ? moneyParts(shapes, chosen) : undefined;
                // A money default starts as one amount in the deployment's default currency.
                set(i, { field: e.target.value, value: '', items: chosen && money ? itemsOf(chosen, money, null, { currency }) : undefined });
              }}
            >
              <option value="" />
              {scalars.map((f) => (
                <option key={f.name} value={f.name}>
                  {f.label}
                </option>
              ))}
            </select>
            {field && parts && (
              <CompositeInput field={field} parts={parts} stored={null} items={v.items ?? []} onChange={(items) => set(i, { ...v, items })} id={`${id}-${i}`} invalid={errors.length > 0} />
            )}
            {field && !parts && <FieldInput field={field} value={v.value} onChange={(value) => set(i, { ...v, value })} lookups={lookups} id={`${id}-${i}`} label={t('import.defaultValue')} />}
            <button type="button" className="link" onClick={() => onChange(values.filter((_, j) => j !== i))}>
              {t('import.removeDefault')}
            </button>
          </div>
        );
      })}
      <button type="button" onClick={() => onChange([...values, { field: '', value: '' }])}>
        {t('import.addDefault')}
      </button>
      {errors.length > 0 && (
        <p className="error" role="alert">
          {errors.join(' ')}
        </p>
      )}
    </fieldset>
  );
}
