import { useEffect, useId, useRef, useState } from 'react';
import { useI18n } from '../../i18n';
import type { EntityFieldInfo, EntityTypeInfo } from '../../metadata/types';

const storageKey = (type: EntityTypeInfo) => `crm.columns.${type.name}`;

/** The list's columns: the user's choice kept in this browser, else the type's defaults; the title always shows. */
export function useColumns(type: EntityTypeInfo, fields: EntityFieldInfo[]): [string[], (columns: string[]) => void] {
  const defaults = () => {
    const names = fields.filter((f) => f.showInList).map((f) => f.name);
    return names.includes(type.titleField) ? names : [type.titleField, ...names];
  };
  const [columns, setColumns] = useState<string[]>(() => {
    try {
      const saved = JSON.parse(localStorage.getItem(storageKey(type)) ?? 'null') as string[] | null;
      const known = saved?.filter((n) => fields.some((f) => f.name === n));
      return known && known.length > 0 ? known : defaults();
    } catch {
      return defaults();
    }
  });
  return [
    columns,
    (next) => {
      const withTitle = next.includes(type.titleField) ? next : [type.titleField, ...next];
      localStorage.setItem(storageKey(type), JSON.stringify(withTitle));
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
