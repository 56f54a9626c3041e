import { useId, useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { useI18n } from '../../i18n';
import { FieldInput, parseInput, type Lookups } from '../../metadata/fields';
import { createMutation, errorsByField, type UserError } from '../../metadata/operations';
import { moneyParts, takesOneInput, type Part, type Shapes } from '../../metadata/shapes';
import type { EntityFieldInfo, EntityTypeInfo } from '../../metadata/types';
import { Dialog } from '../../components/Dialog';
import { useDefaultCurrency } from '../../components/CurrencySelect';
import { CompositeInput, inputOf, itemsOf, type CompositeItem } from '../record/CompositeInput';

/**
 * The fields a new record is given: its title, required fields, default columns and its currency
 * (a CURRENCY field, preset to the deployment's default), each one box or choice takes, or a money value.
 */
function dialogFields(type: EntityTypeInfo, shapes: Shapes): EntityFieldInfo[] {
  return type.fields.filter(
    (f) =>
      !f.readOnly &&
      ((takesOneInput(shapes, f) && !f.list) || !!moneyParts(shapes, f)) &&
      (f.required || f.showInList || f.name === type.titleField || f.type === 'CURRENCY'),
  );
}

/** A new record: its title, required fields and default columns, with the API's messages at each field. */
export function NewRecordDialog({
  type,
  shapes,
  lookups,
  onClose,
  onCreated,
}: {
  type: EntityTypeInfo;
  /** How the type's fields are written: those one box or choice takes, and money values (amount and currency). */
  shapes: Shapes;
  lookups: Lookups;
  onClose: () => void;
  onCreated: (id: string) => void;
}) {
  const { t } = useI18n();
  const baseId = useId();
  const fields = dialogFields(type, shapes);
  const [values, setValues] = useState<Record<string, string>>({});
  const [items, setItems] = useState<Record<string, CompositeItem[]>>({});
  const [errors, setErrors] = useState<Map<string, string[]>>(new Map());
  const [{ fetching }, create] = useMutation(createMutation(type) ?? '');
  // Until the user picks one, a currency (of a field or a new amount) is the deployment's default.
  const currency = useDefaultCurrency();
  const textOf = (f: EntityFieldInfo) => values[f.name] ?? (f.type === 'CURRENCY' ? currency : '');
  const itemsOfField = (f: EntityFieldInfo, parts: Part[]) => items[f.name] ?? itemsOf(f, parts, null, { currency });

  async function submit(e: FormEvent) {
    e.preventDefault();
    const input = Object.fromEntries(
      fields
        .map((f) => {
          const parts = moneyParts(shapes, f);
          return [f.name, parts ? inputOf(f, parts, itemsOfField(f, parts)) : parseInput(f, textOf(f))] as const;
        })
        // An amount left empty gives nothing (a multiple field's empty list too).
        .filter(([, v]) => v !== null && !(Array.isArray(v) && v.length === 0)),
    );
    const result = await create({ input });
    const payload = (result.data as { result?: { record: { id: string } | null; errors: UserError[] } } | undefined)?.result;
    if (result.error) {
      setErrors(new Map([['', [result.error.message]]]));
    } else if (payload?.record) {
      onCreated(payload.record.id);
    } else {
      setErrors(errorsByField(payload?.errors ?? [], fields.map((f) => f.name)));
    }
  }

  return (
    <Dialog title={`${t('list.new')}: ${type.label}`} onClose={onClose}>
      <form onSubmit={submit} className="form-grid" noValidate>
        {fields.map((f) => {
          const id = `${baseId}-${f.name}`;
          const messages = errors.get(f.name);
          const parts = moneyParts(shapes, f);
          return (
            <div key={f.name} className="form-field">
              <label htmlFor={id}>
                {f.label}
                {f.required && <span aria-hidden="true"> *</span>}
              </label>
              {parts ? (
                <CompositeInput
                  field={f}
                  parts={parts}
                  stored={null}
                  items={itemsOfField(f, parts)}
                  onChange={(changed) => setItems({ ...items, [f.name]: changed })}
                  id={id}
                  invalid={!!messages}
                  describedBy={messages ? `${id}-error` : undefined}
                />
              ) : (
                <FieldInput
                  field={f}
                  id={id}
                  value={textOf(f)}
                  onChange={(v) => setValues({ ...values, [f.name]: v })}
                  lookups={lookups}
                  invalid={!!messages}
                  describedBy={messages ? `${id}-error` : undefined}
                />
              )}
              {messages && (
                <p id={`${id}-error`} className="error">
                  {messages.join(' ')}
                </p>
              )}
            </div>
          );
        })}
        {errors.get('') && (
          <p className="error" role="alert">
            {errors.get('')!.join(' ')}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            {t('record.cancel')}
          </button>
          <button type="submit" className="primary" disabled={fetching}>
            {t('record.save')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
