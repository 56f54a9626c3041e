import { useEffect, useId, useRef, useState } from 'react';
import { useClient } from 'urql';
import { readPreference, writePreference } from '../../api/preferences';
import { useI18n } from '../../i18n';
import type { EntityFieldInfo, EntityTypeInfo } from '../../metadata/types';

// This browser's copy, for an instant first paint; the user's preference, for every other browser.
const storageKey = (type: EntityTypeInfo) => `crm.columns.${type.name}`;
const preferenceKey = (type: EntityTypeInfo) => `console.columns.${type.name}`;

/**
 * The list's columns: the user's choice, kept as their preference (console.columns.<TYPE>) so that it
 * follows them to every browser, else the type's defaults; the title always shows. The browser's copy
 * shows first; the preference, once read, replaces it unless the columns were changed meanwhile.
 */
export function useColumns(type: EntityTypeInfo, fields: EntityFieldInfo[]): [string[], (columns: string[]) => void] {
  const client = useClient();
  const defaults = () => {
    const names = fields.filter((f) => f.showInList).map((f) => f.name);
    return names.includes(type.titleField) ? names : [type.titleField, ...names];
  };
  const known = (saved: unknown) => (Array.isArray(saved) ? saved.filter((n): n is string => typeof n === 'string' && fields.some((f) => f.name === n)) : []);
  const [columns, setColumns] = useState<string[]>(() => {
    try {
      const saved = known(JSON.parse(localStorage.getItem(storageKey(type)) ?? 'null'));
      return saved.length > 0 ? saved : defaults();
    } catch {
      return defaults();
    }
  });
  const changed = useRef(false);
  useEffect(() => {
    let current = true;
    void readPreference(client, preferenceKey(type)).then((saved) => {
      const names = known(saved);
      if (!current || changed.current || names.length === 0) return;
      localStorage.setItem(storageKey(type), JSON.stringify(names));
      setColumns(names);
    });
    return () => {
      current = false;
    };
  }, [client, type.name]); // eslint-disable-line react-hooks/exhaustive-deps
  return [
    columns,
    (next) => {
      changed.current = true;
      const withTitle = next.includes(type.titleField) ? next : [type.titleField, ...next];
      localStorage.setItem(storageKey(type), JSON.stringify(withTitle));
      void writePreference(client, preferenceKey(type), withTitle);
      setColumns(withTitle);
    },
  ];
}

export function ColumnChooser({ fields, columns, onChange }: { fields: EntityFieldInfo[]; columns: string[]; onChange: (columns: string[]) => void }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const panel = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const close = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    window.addEventListener('keydown', close);
    return () => window.removeEventListener('keydown', close);
  }, [open]);

  return (
    <div className="column-chooser">
      <button type="button" aria-expanded={open} aria-controls={panelId} onClick={() => setOpen(!open)}>
        {t('list.columns')}
      </button>
      {open && (
        <div id={panelId} ref={panel} className="popover" role="group" aria-label={t('list.columns')}>
          {fields.map((f) => (
            <label key={f.name} className="check">
              <input
                type="checkbox"
                checked={columns.includes(f.name)}
                onChange={(e) => onChange(e.target.checked ? [...columns, f.name] : columns.filter((c) => c !== f.name))}
              />
              {f.label}
            </label>
          ))}
        </div>
      )}
    </div>
  );
}
