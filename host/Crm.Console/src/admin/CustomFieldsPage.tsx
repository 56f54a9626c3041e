import { useId, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { useI18n } from '../i18n';
import { useReloadEntityTypes } from '../metadata/entityTypes';
import { AdminPage, UserErrors, useAdminTypes, type UserError } from './common';

/** Every type a custom field may be, with the settings that apply to it (the API's CustomFieldSettings). */
export const fieldTypes = ['STRING', 'TEXT', 'INTEGER', 'NUMBER', 'BOOLEAN', 'DATE', 'DATETIME', 'MONEY', 'ENUMERATION', 'URL', 'EMAIL', 'PHONE', 'EMPLOYEE', 'CRM', 'ADDRESS'] as const;
type FieldType = (typeof fieldTypes)[number];
const textual: FieldType[] = ['STRING', 'TEXT', 'URL', 'EMAIL', 'PHONE'];
const numeric: FieldType[] = ['INTEGER', 'NUMBER', 'MONEY'];

interface CustomField {
  id: string;
  code: string;
  fieldName: string;
  type: FieldType;
  label: string;
  labels: { language: string; text: string }[];
  mandatory: boolean;
  multiple: boolean;
  filterable: boolean;
  showInList: boolean;
  sort: number;
  items: { id: string; value: string }[];
}

const fieldsQuery = `query AdminCustomFields($type: CrmEntityType!) {
  customFields(entityType: $type) { id code fieldName type label labels { language text } mandatory multiple filterable showInList sort items { id value } }
}`;
const createField = `mutation AdminCreateCustomField($input: CreateCustomFieldInput!) {
  createCustomField(input: $input) { customField { id label } errors { code message path } }
}`;
const deleteField = `mutation AdminDeleteCustomField($id: ID!) { deleteCustomField(id: $id, confirmDataLoss: true) { deletedId errors { code message path } } }`;

export function CustomFieldsPage() {
  const { t } = useI18n();
  const types = useAdminTypes().filter((type) => type.customFields);
  const [chosen, setChosen] = useState<string>('');
  const typeName = chosen || types[0]?.name || '';
  const [status, setStatus] = useState<string | null>(null);
  const [{ data }, refetch] = useQuery<{ customFields: CustomField[] }>({ query: fieldsQuery, variables: { type: typeName }, pause: !typeName, requestPolicy: 'cache-and-network' });
  const [, remove] = useMutation(deleteField);
  const reloadTypes = useReloadEntityTypes();
  const pickerId = useId();

  async function drop(field: CustomField) {
    if (!window.confirm(t('admin.cf.deleteConfirm', { label: field.label }))) return;
    const result = await remove({ id: field.id });
    if (!result.error) {
      setStatus(t('admin.cf.deleted'));
      refetch({ requestPolicy: 'network-only' });
      reloadTypes();
    }
  }

  return (
    <AdminPage title={t('admin.customFields')} status={status}>
      <div className="toolbar">
        <label htmlFor={pickerId}>{t('admin.recordType')}</label>
        <select id={pickerId} value={typeName} onChange={(e) => setChosen(e.target.value)}>
          {types.map((type) => (
            <option key={type.name} value={type.name}>
              {type.pluralLabel}
            </option>
          ))}
        </select>
      </div>
      <div className="admin-columns">
        <div className="admin-panel table-wrap">
          <table className="admin-table" aria-label={t('admin.customFields')}>
            <thead>
              <tr>
                <th>{t('admin.cf.label')}</th>
                <th>{t('admin.cf.type')}</th>
                <th>{t('admin.cf.fieldName')}</th>
                <th>{t('admin.cf.settings')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {(data?.customFields ?? []).map((f) => (
                <tr key={f.id}>
                  <td>
                    <span>{f.label}</span>
                    {f.labels.length > 0 && <div className="muted">{f.labels.map((l) => `${l.language}: ${l.text}`).join(', ')}</div>}
                  </td>
                  <td>{f.type}</td>
                  <td>
                    <code>{f.fieldName}</code>
                  </td>
                  <td className="muted">
                    {[f.mandatory && t('admin.cf.mandatory'), f.multiple && t('admin.cf.multiple'), f.filterable && t('admin.cf.filterable'), f.showInList && t('admin.cf.showInList')]
                      .filter(Boolean)
                      .join(', ')}
                    {f.items.length > 0 && <div>{f.items.map((i) => i.value).join(' · ')}</div>}
                  </td>
                  <td>
                    <button type="button" onClick={() => drop(f)} aria-label={`${t('admin.delete')} ${f.label}`}>
                      {t('admin.delete')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {data && data.customFields.length === 0 && <p className="muted">{t('admin.none')}</p>}
        </div>
        {typeName && (
          <NewFieldForm
            key={typeName}
            entityType={typeName}
            types={types.map((type) => ({ name: type.name, label: type.label }))}
            onAdded={(label) => {
              setStatus(t('admin.cf.added', { label }));
              refetch({ requestPolicy: 'network-only' });
              // The lists' column choosers and filters take the new field at once.
              reloadTypes();
            }}
          />
        )}
      </div>
    </AdminPage>
  );
}

function NewFieldForm({ entityType, types, onAdded }: { entityType: string; types: { name: string; label: string }[]; onAdded: (label: string) => void }) {
  const { t } = useI18n();
  const id = useId();
  const [code, setCode] = useState('UF_CRM_');
  const [type, setType] = useState<FieldType>('STRING');
  const [label, setLabel] = useState('');
  const [labelPl, setLabelPl] = useState('');
  const [flags, setFlags] = useState({ mandatory: false, multiple: false, filterable: true, showInList: true });
  const [settings, setSettings] = useState({ maxLength: '', min: '', max: '', precision: '', pattern: '' });
  const [recordTypes, setRecordTypes] = useState<string[]>([]);
  const [items, setItems] = useState('');
  const [errors, setErrors] = useState<UserError[]>([]);
  const [{ fetching }, create] = useMutation(createField);

  const number = (v: string) => (v.trim() === '' ? undefined : Number(v));
  async function submit(e: FormEvent) {
    e.preventDefault();
    const input = {
      entityType,
      code: code.trim(),
      type,
      label: label.trim(),
      labels: labelPl.trim() ? [{ language: 'pl', text: labelPl.trim() }] : undefined,
      ...flags,
      multiple: type === 'BOOLEAN' ? false : flags.multiple,
      settings: {
        maxLength: textual.includes(type) ? number(settings.maxLength) : undefined,
        min: numeric.includes(type) ? number(settings.min) : undefined,
        max: numeric.includes(type) ? number(settings.max) : undefined,
        precision: type === 'NUMBER' || type === 'MONEY' ? number(settings.precision) : undefined,
        pattern: (type === 'STRING' || type === 'TEXT') && settings.pattern ? settings.pattern : undefined,
        recordTypes: type === 'CRM' && recordTypes.length > 0 ? recordTypes : undefined,
      },
      items: type === 'ENUMERATION' ? items.split('\n').map((v) => v.trim()).filter(Boolean).map((value) => ({ value })) : undefined,
    };
    const result = await create({ input });
    const payload = (result.data as { createCustomField?: { customField: { label: string } | null; errors: UserError[] } } | undefined)?.createCustomField;
    if (result.error) setErrors([{ code: 'ERROR', message: result.error.message, path: [] }]);
    else if (payload?.customField) {
      setErrors([]);
      setCode('UF_CRM_');
      setLabel('');
      setLabelPl('');
      setItems('');
      onAdded(payload.customField.label);
    } else setErrors(payload?.errors ?? []);
  }

  const text = (key: keyof typeof settings, name: 'admin.cf.maxLength' | 'admin.cf.min' | 'admin.cf.max' | 'admin.cf.precision' | 'admin.cf.pattern', inputMode?: 'numeric' | 'decimal') => (
    <div className="form-field">
      <label htmlFor={`${id}-${key}`}>{t(name)}</label>
      <input id={`${id}-${key}`} inputMode={inputMode} value={settings[key]} onChange={(e) => setSettings({ ...settings, [key]: e.target.value })} />
    </div>
  );

  return (
    <form className="admin-panel form-grid" onSubmit={submit} aria-label={t('admin.cf.new')} noValidate>
      <h2>{t('admin.cf.new')}</h2>
      <UserErrors errors={errors} />
      <div className="form-field">
        <label htmlFor={`${id}-code`}>{t('admin.cf.code')}</label>
        <input id={`${id}-code`} value={code} onChange={(e) => setCode(e.target.value.toUpperCase())} aria-describedby={`${id}-code-hint`} required />
        <small id={`${id}-code-hint`} className="muted">
          {t('admin.cf.codeHint')}
        </small>
      </div>
      <div className="form-field">
        <label htmlFor={`${id}-type`}>{t('admin.cf.type')}</label>
        <select id={`${id}-type`} value={type} onChange={(e) => setType(e.target.value as FieldType)}>
          {fieldTypes.map((ft) => (
            <option key={ft} value={ft}>
              {ft}
            </option>
          ))}
        </select>
      </div>
      <div className="form-field">
        <label htmlFor={`${id}-label`}>{t('admin.cf.label')}</label>
        <input id={`${id}-label`} value={label} onChange={(e) => setLabel(e.target.value)} required />
      </div>
      <div className="form-field">
        <label htmlFor={`${id}-label-pl`}>{t('admin.cf.labelPl')}</label>
        <input id={`${id}-label-pl`} lang="pl" value={labelPl} onChange={(e) => setLabelPl(e.target.value)} />
      </div>
      <div className="admin-checks">
        {(['mandatory', 'multiple', 'filterable', 'showInList'] as const).map((flag) => (
          <label key={flag} className="check">
            <input
              type="checkbox"
              checked={flags[flag]}
              disabled={flag === 'multiple' && type === 'BOOLEAN'}
              onChange={(e) => setFlags({ ...flags, [flag]: e.target.checked })}
            />
            {t(`admin.cf.${flag}`)}
          </label>
        ))}
      </div>
      {textual.includes(type) && text('maxLength', 'admin.cf.maxLength', 'numeric')}
      {numeric.includes(type) && (
        <div className="admin-row">
          {text('min', 'admin.cf.min', 'decimal')}
          {text('max', 'admin.cf.max', 'decimal')}
          {type !== 'INTEGER' && text('precision', 'admin.cf.precision', 'numeric')}
        </div>
      )}
      {(type === 'STRING' || type === 'TEXT') && text('pattern', 'admin.cf.pattern')}
      {type === 'CRM' && (
        <fieldset className="admin-checks">
          <legend>{t('admin.cf.recordTypes')}</legend>
          {types.map((rt) => (
            <label key={rt.name} className="check">
              <input
                type="checkbox"
                checked={recordTypes.includes(rt.name)}
                onChange={(e) => setRecordTypes(e.target.checked ? [...recordTypes, rt.name] : recordTypes.filter((r) => r !== rt.name))}
              />
              {rt.label}
            </label>
          ))}
        </fieldset>
      )}
      {type === 'ENUMERATION' && (
        <div className="form-field">
          <label htmlFor={`${id}-items`}>{t('admin.cf.items')}</label>
          <textarea id={`${id}-items`} rows={4} value={items} onChange={(e) => setItems(e.target.value)} />
        </div>
      )}
      <div className="dialog-actions">
        <button type="submit" className="primary" disabled={fetching}>
          {t('admin.cf.add')}
        </button>
      </div>
    </form>
  );
}
