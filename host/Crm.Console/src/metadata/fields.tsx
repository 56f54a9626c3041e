import { Link } from 'wouter';
import { CurrencySelect } from '../components/CurrencySelect';
import { UserPicker } from '../components/UserPicker';
import { useI18n, type MessageKey, type Translate } from '../i18n';
import { recordPath } from './entityTypes';
import type { ListItem, UserRef } from './lookups';
import type { EntityFieldInfo } from './types';

// How a field of any record type is shown and edited, from its metadata; how it is selected comes
// from the schema (shapes.ts), so a value may be a scalar or an object (a custom field's money
// { amount currency }, an enumeration's item { id value }).

export function isNumeric(field: EntityFieldInfo): boolean {
  return ['INT', 'DECIMAL', 'MONEY'].includes(field.type);
}

export interface Lookups {
  lists: Map<string, ListItem[]>;
  users: UserRef[];
}

/**
 * The selection list a value of the field comes from. A field may name a family of lists (a deal's
 * stage: DEAL_STAGE for the default pipeline, DEAL_STAGE_n for pipeline n): the one holding the value.
 */
export function listOf(field: EntityFieldInfo, value: string, lookups: Lookups): ListItem[] | undefined {
  if (!field.selectionList) return undefined;
  const named = lookups.lists.get(field.selectionList);
  if (!value || named?.some((i) => i.id === value)) return named;
  for (const [id, items] of lookups.lists) {
    if (id.startsWith(`${field.selectionList}_`) && items.some((i) => i.id === value)) return items;
  }
  return named;
}

/** What a reference's or a user's object (the list and record queries select it) is called. */
export function objectLabel(value: unknown): string | null {
  if (!value || typeof value !== 'object') return null;
  const o = value as Record<string, unknown>;
  if (typeof o.name === 'string') return [o.name, o.lastName].filter((v) => typeof v === 'string' && v).join(' ');
  const text = Object.entries(o).find(([k, v]) => k !== 'id' && k !== '__typename' && typeof v === 'string');
  return text ? String(text[1]) : null;
}

/** A part's label (address1, valueType ...) in the user's language; the API's name when the console has none. */
export function partLabel(t: Translate, name: string): string {
  const key = `part.${name}` as MessageKey;
  const text = t(key);
  return text === key ? name : text;
}

/** An enum value's label (a phone's MOBILE ...) in the user's language; the API's name when the console has none. */
export function enumLabel(t: Translate, value: string): string {
  const key = `valueType.${value}` as MessageKey;
  const text = t(key);
  return text === key ? value : text;
}

/** Whether the field's value is picked from its own items (an enumeration: one, or several for a multiple field). */
export function isChoice(field: EntityFieldInfo): boolean {
  return field.type === 'ENUMERATION';
}

/** The ids of the items a choice field holds: its value is the item ({ id value }) or, where the schema says so, the id. */
export function choiceIds(value: unknown): string[] {
  return (Array.isArray(value) ? value : value == null ? [] : [value]).map((v) =>
    v && typeof v === 'object' ? String((v as { id?: unknown }).id ?? '') : String(v),
  );
}

/** What an object value shows when nothing more is known of it (a plugin's): its scalar parts but the id, joined. */
function partsText(v: object): string {
  return Object.entries(v as Record<string, unknown>)
    .filter(([k, part]) => k !== '__typename' && k !== 'id' && part !== null && part !== '' && typeof part !== 'object')
    .map(([, part]) => String(part))
    .join(', ');
}

/** A field's value as a person reads it; object: what a reference or user id names (the row's objectField), when loaded. */
export function FieldValue({ field, value, lookups, object }: { field: EntityFieldInfo; value: unknown; lookups: Lookups; object?: unknown }) {
  const { t, formatNumber, formatMoney, formatDate, formatDateTime } = useI18n();
  if (value === null || value === undefined || value === '') return <span className="muted">—</span>;
  const one = (v: unknown, key?: number) => {
    const text = String(v);
    switch (field.type) {
      case 'BOOLEAN':
        return <span key={key}>{v ? t('bool.true') : t('bool.false')}</span>;
      case 'INT':
      case 'DECIMAL':
        return <span key={key} className="num">{formatNumber(Number(v))}</span>;
      case 'MONEY': {
        // A custom field's money is an amount in a currency; a built-in amount is a number (its currency beside it).
        const money = v && typeof v === 'object' ? (v as { amount?: unknown; currency?: unknown }) : { amount: v };
        const amount = Number(money.amount);
        return (
          <span key={key} className="num">
            {typeof money.currency === 'string' && money.currency ? formatMoney(amount, money.currency) : formatNumber(amount)}
          </span>
        );
      }
      case 'DATE':
        return <span key={key}>{formatDate(text)}</span>;
      case 'DATETIME':
        return <span key={key}>{formatDateTime(text)}</span>;
      case 'LIST': {
        const item = listOf(field, text, lookups)?.find((i) => i.id === text);
        return (
          <span key={key} className="list-item">
            {item?.color && <span className="swatch" style={{ background: item.color }} aria-hidden="true" />}
            {item?.name ?? text}
          </span>
        );
      }
      case 'ENUMERATION': {
        // The item as selected ({ id value }), else by its id among the field's items.
        const item = v && typeof v === 'object' ? (v as { id?: unknown; value?: unknown }) : { id: v };
        const id = String(item.id ?? '');
        const label = typeof item.value === 'string' ? item.value : field.options.find((o) => o.id === id)?.value;
        return <span key={key} className="item">{label ?? id}</span>;
      }
      case 'URL':
        return /^https?:\/\//i.test(text) ? (
          <a key={key} href={text} rel="noreferrer noopener" target="_blank">
            {text}
          </a>
        ) : (
          <span key={key}>{text}</span>
        );
      case 'USER':
        return <span key={key}>{objectLabel(object) ?? lookups.users.find((u) => u.id === text)?.name ?? `#${text}`}</span>;
      case 'REFERENCE':
        return field.reference ? (
          <Link key={key} href={recordPath(field.reference, text)}>
            {objectLabel(object) ?? `#${text}`}
          </Link>
        ) : (
          <span key={key}>#{text}</span>
        );
      case 'CONTACT_POINTS': {
        const point = v as { value?: string; valueType?: string };
        return (
          <span key={key} className="contact-point">
            {point.value}
            {point.valueType && <span className="badge">{enumLabel(t, point.valueType)}</span>}
          </span>
        );
      }
      case 'ADDRESS':
        return <span key={key}>{partsText(v as object)}</span>;
      case 'RECORD_REFERENCE': {
        const link = v as { entityType?: string; id?: string; record?: unknown };
        return link.entityType && link.id ? (
          <Link key={key} href={recordPath(link.entityType, link.id)}>
            {objectLabel(link.record) ?? `${link.entityType} #${link.id}`}
          </Link>
        ) : (
          <span key={key}>—</span>
        );
      }
      default:
        return <span key={key}>{v && typeof v === 'object' ? partsText(v) : text}</span>;
    }
  };
  if (Array.isArray(value)) {
    if (value.length === 0) return <span className="muted">—</span>;
    return <span className="values">{value.map((v, i) => one(v, i))}</span>;
  }
  return one(value);
}

/** The value an input holds, as the API takes it for the field. */
export function parseInput(field: EntityFieldInfo, text: string): unknown {
  if (text.trim() === '') return null;
  switch (field.type) {
    case 'INT':
      return Number.parseInt(text, 10);
    case 'DECIMAL':
    case 'MONEY':
      return Number(text.replace(',', '.'));
    case 'BOOLEAN':
      return text === 'true';
    case 'DATETIME':
      return new Date(text).toISOString();
    default:
      return text;
  }
}

export function inputText(field: EntityFieldInfo, value: unknown): string {
  if (value === null || value === undefined) return '';
  if (isChoice(field)) return choiceIds(value)[0] ?? '';
  if (field.type === 'DATETIME') return String(value).slice(0, 16);
  return String(value);
}

/** An input for one value of the field, labelled (or described) by the caller. */
export function FieldInput({
  field,
  value,
  onChange,
  lookups,
  id,
  invalid,
  describedBy,
  label,
}: {
  field: EntityFieldInfo;
  value: string;
  onChange: (text: string) => void;
  lookups: Lookups;
  id?: string;
  invalid?: boolean;
  describedBy?: string;
  label?: string;
}) {
  const { t } = useI18n();
  const common = { id, 'aria-invalid': invalid || undefined, 'aria-describedby': describedBy, 'aria-label': label, value, name: field.name };
  switch (field.type) {
    case 'BOOLEAN':
      return (
        <select {...common} onChange={(e) => onChange(e.target.value)}>
          <option value="" />
          <option value="true">{t('bool.true')}</option>
          <option value="false">{t('bool.false')}</option>
        </select>
      );
    case 'LIST': {
      const items = listOf(field, value, lookups);
      if (!items) break;
      return (
        <select {...common} onChange={(e) => onChange(e.target.value)}>
          <option value="" />
          {items.map((i) => (
            <option key={i.id} value={i.id}>
              {i.name}
            </option>
          ))}
        </select>
      );
    }
    case 'ENUMERATION':
      return (
        <select {...common} onChange={(e) => onChange(e.target.value)}>
          <option value="" />
          {field.options.map((o) => (
            <option key={o.id} value={o.id}>
              {o.value}
            </option>
          ))}
        </select>
      );
    case 'CURRENCY':
      // An ISO 4217 code (the SDK's Currency() fields: a deal's currencyId): picked from the API's list.
      return <CurrencySelect id={id} name={field.name} label={label} value={value} onChange={onChange} invalid={invalid} describedBy={describedBy} />;
    case 'USER':
      return <UserPicker value={value} onChange={onChange} known={lookups.users} id={id} name={field.name} label={label ?? field.label} invalid={invalid} describedBy={describedBy} />;
    case 'TEXT':
      return <textarea {...common} rows={3} onChange={(e) => onChange(e.target.value)} />;
    default:
      break;
  }
  const type = isNumeric(field) ? 'number' : field.type === 'DATE' ? 'date' : field.type === 'DATETIME' ? 'datetime-local' : 'text';
  return <input {...common} type={type} step={field.type === 'INT' ? 1 : 'any'} maxLength={field.maxLength ?? undefined} onChange={(e) => onChange(e.target.value)} />;
}
