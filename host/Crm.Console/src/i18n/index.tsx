import { createContext, useCallback, useContext, useMemo, type ReactNode } from 'react';
import { adminEn, adminPl, type AdminKey } from './admin';
import { importsEn, importsPl, type ImportsKey } from './imports';
import { listsEn, listsPl, type ListsKey } from './lists';
import { pluginsEn, pluginsPl, type PluginsKey } from './plugins';
import { salesEn, salesPl, type SalesKey } from './sales';

export type Language = 'en' | 'pl';
export type MessageKey = SalesKey | AdminKey | ListsKey | ImportsKey | PluginsKey;
export const languages: readonly Language[] = ['en', 'pl'];

const catalogs: Record<Language, Record<MessageKey, string>> = {
  en: { ...salesEn, ...adminEn, ...listsEn, ...importsEn, ...pluginsEn },
  pl: { ...salesPl, ...adminPl, ...listsPl, ...importsPl, ...pluginsPl },
};

/** The console's language for a user's setting (en, pl, pt-br ...): Polish or English. */
export function languageOf(setting: string | null | undefined): Language {
  return setting?.toLowerCase().startsWith('pl') ? 'pl' : 'en';
}

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

interface I18n {
  language: Language;
  t: Translate;
  formatNumber: (value: number) => string;
  formatMoney: (value: number, currency: string) => string;
  formatDateTime: (iso: string) => string;
  formatDate: (iso: string) => string;
}

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({ language, children }: { language: Language; children: ReactNode }) {
  const t = useCallback<Translate>(
    (key, params) => {
      const text = catalogs[language][key] ?? key;
      return params ? text.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`)) : text;
    },
    [language],
  );
  const value = useMemo<I18n>(() => {
    const locale = language === 'pl' ? 'pl-PL' : 'en-GB';
    const numbers = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
    const dateTimes = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
    const dates = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' });
    return {
      language,
      t,
      formatNumber: (v) => numbers.format(v),
      formatMoney: (v, currency) => {
        try {
          return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(v);
        } catch {
          return `${numbers.format(v)} ${currency}`;
        }
      },
      formatDateTime: (iso) => dateTimes.format(new Date(iso)),
      formatDate: (iso) => dates.format(new Date(iso)),
    };
  }, [language, t]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error('useI18n outside I18nProvider');
  return value;
}
