import { useId, useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { useI18n } from '../../i18n';
import { FieldInput, parseInput, type Lookups } from '../../metadata/fields';
import { createMutation, errorsByField, type UserError } from '../../metadata/operations';
import { takesOneInput, type Shapes } from '../../metadata/shapes';
import type { EntityTypeInfo } from '../../metadata/types';
import { Dialog } from '../../components/Dialog';

/** A new record: its title, required fields and default columns, with the API's messages at each field. */
export function NewRecordDialog({
  type,
  shapes,
  lookups,
  onClose,
  onCreated,
}: {
  type: EntityTypeInfo;
  /** How the type's fields are written: those one box or choice takes are offered (a money value is set on the record page). */
  shapes: Shapes;
  lookups: Lookups;
  onClose: () => void;
  onCreated: (id: string) => void;
}) {
  const { t } = useI18n();
  const baseId = useId();
  const fields = type.fields.filter((f) => takesOneInput(shapes, f)).filter((f) => !f.readOnly && !f.list && (f.required || f.showInList || f.name === type.titleField));
  const [values, setValues] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Map<string, string[]>>(new Map());
  const [{ fetching }, create] = useMutation(createMutation(type) ?? '');

  async function submit(e: FormEvent) {
    e.preventDefault();
    const input = Object.fromEntries(
      fields.map((f) => [f.name, parseInput(f, values[f.name] ?? '')] as const).filter(([, v]) => v !== null),
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
          return (
            <div key={f.name} className="form-field">
              <label htmlFor={id}>
                {f.label}
                {f.required && <span aria-hidden="true"> *</span>}
              </label>
              <FieldInput
                field={f}
                id={id}
                value={values[f.name] ?? ''}
                onChange={(v) => setValues({ ...values, [f.name]: v })}
                lookups={lookups}
                invalid={!!messages}
                describedBy={messages ? `${id}-error` : undefined}
              />
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
