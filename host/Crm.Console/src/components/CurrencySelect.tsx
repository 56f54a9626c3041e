import { useI18n } from '../i18n';
import { useCurrencies } from '../metadata/lookups';

// The currency picker of every money amount and currency field: the API's list (`currencies`),
// named in the user's language, the deployment's default first.

export function CurrencySelect({
  value,
  onChange,
  id,
  name,
  label,
  invalid,
  describedBy,
}: {
  value: string;
  onChange: (code: string) => void;
  id?: string;
  name?: string;
  label?: string;
  invalid?: boolean;
  describedBy?: string;
}) {
  const { language } = useI18n();
  const currencies = useCurrencies(language);
  return (
    <select id={id} name={name} aria-label={label} value={value} aria-invalid={invalid || undefined} aria-describedby={describedBy} onChange={(e) => onChange(e.target.value)}>
      <option value="" />
      {/* A stored code the list lacks (the API takes any three letters) stays as it is. */}
      {value && !currencies.some((c) => c.code === value) && <option value={value}>{value}</option>}
      {currencies.map((c) => (
        <option key={c.code} value={c.code}>
          {`${c.code} · ${c.name}`}
        </option>
      ))}
    </select>
  );
}

/** The deployment's default currency (first in the API's list); empty until the list is known. */
export function useDefaultCurrency(): string {
  const { language } = useI18n();
  return useCurrencies(language)[0]?.code ?? '';
}
