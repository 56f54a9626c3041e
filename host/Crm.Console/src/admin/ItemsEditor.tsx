import { useId, useState, type FormEvent } from 'react';
import { useI18n } from '../i18n';

export interface Item {
  entityId: string;
  id: string;
  name: string;
  sort: number;
  color: string | null;
  semantics: 'PROCESS' | 'SUCCESS' | 'FAILURE' | null;
  system: boolean;
  probability: number | null;
}

export interface ItemInput {
  id?: string;
  name?: string;
  color?: string;
  semantics?: string;
  probability?: number;
}

/** What the editor changes: a selection list's items or a pipeline's stages, through their own mutations. */
export interface ItemsSource {
  items: Item[];
  /** Items with semantics (statuses, stages): semantics and probability are editable. */
  stages: boolean;
  add: (input: ItemInput) => Promise<boolean>;
  update: (id: string, input: ItemInput) => Promise<boolean>;
  remove: (id: string, moveTo: string | null) => Promise<boolean>;
  reorder: (ids: string[]) => Promise<boolean>;
}

const semantics = ['PROCESS', 'SUCCESS', 'FAILURE'] as const;

/** The items in order: dragged to a new place (or moved with the keyboard's buttons), renamed, recoloured, removed. */
export function ItemsEditor({ source }: { source: ItemsSource }) {
  const { t } = useI18n();
  const [dragged, setDragged] = useState<string | null>(null);
  const items = [...source.items].sort((a, b) => a.sort - b.sort);

  function move(id: string, to: number) {
    const ids = items.map((i) => i.id).filter((i) => i !== id);
    ids.splice(Math.max(0, Math.min(to, ids.length)), 0, id);
    void source.reorder(ids);
  }

  return (
    <div className="admin-columns">
      <div className="admin-panel table-wrap">
        <table className="admin-table items-table" aria-label={t('admin.lists.items')}>
          <thead>
            <tr>
              <th>{t('admin.lists.order')}</th>
              <th>{t('admin.lists.name')}</th>
              <th>{t('admin.lists.color')}</th>
              {source.stages && <th>{t('admin.lists.semantics')}</th>}
              {source.stages && <th>{t('admin.lists.probability')}</th>}
              <th />
            </tr>
          </thead>
          <tbody>
            {items.map((item, index) => (
              <tr
                key={item.id}
                data-item={item.id}
                data-name={item.name}
                draggable
                onDragStart={() => setDragged(item.id)}
                onDragOver={(e) => e.preventDefault()}
                onDrop={(e) => {
                  e.preventDefault();
                  if (dragged && dragged !== item.id) move(dragged, index);
                  setDragged(null);
                }}
              >
                <td className="order-cell">
                  <span className="drag-handle" aria-hidden="true">
                    ⠿
                  </span>
                  <button type="button" disabled={index === 0} aria-label={t('admin.lists.up', { name: item.name })} onClick={() => move(item.id, index - 1)}>
                    ↑
                  </button>
                  <button type="button" disabled={index === items.length - 1} aria-label={t('admin.lists.down', { name: item.name })} onClick={() => move(item.id, index + 1)}>
                    ↓
                  </button>
                </td>
                <td>
                  <input
                    aria-label={t('admin.lists.nameOf', { id: item.id })}
                    defaultValue={item.name}
                    onBlur={(e) => e.target.value.trim() && e.target.value !== item.name && void source.update(item.id, { name: e.target.value.trim() })}
                  />
                  <div className="muted">
                    <code>{item.id}</code>
                  </div>
                </td>
                <td>
                  <input
                    type="color"
                    aria-label={t('admin.lists.colorOf', { name: item.name })}
                    defaultValue={item.color ?? '#cccccc'}
                    onChange={(e) => void source.update(item.id, { color: e.target.value.toUpperCase() })}
                  />
                </td>
                {source.stages && (
                  <td>
                    <select
                      aria-label={t('admin.lists.semanticsOf', { name: item.name })}
                      value={item.semantics ?? 'PROCESS'}
                      onChange={(e) => void source.update(item.id, { semantics: e.target.value })}
                    >
                      {semantics.map((s) => (
                        <option key={s} value={s}>
                          {t(`admin.lists.${s}`)}
                        </option>
                      ))}
                    </select>
                  </td>
                )}
                {source.stages && (
                  <td>
                    <input
                      type="number"
                      min={0}
                      max={100}
                      className="num"
                      aria-label={t('admin.lists.probabilityOf', { name: item.name })}
                      defaultValue={item.probability ?? ''}
                      onBlur={(e) => e.target.value !== String(item.probability ?? '') && void source.update(item.id, { probability: Number(e.target.value) })}
                    />
                  </td>
                )}
                <td>
                  {!item.system && (
                    <button type="button" onClick={() => void source.remove(item.id, items.find((i) => i.id !== item.id)?.id ?? null)} aria-label={t('admin.lists.removeOf', { name: item.name })}>
                      {t('admin.delete')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <NewItem stages={source.stages} onAdd={source.add} />
    </div>
  );
}

function NewItem({ stages, onAdd }: { stages: boolean; onAdd: (input: ItemInput) => Promise<boolean> }) {
  const { t } = useI18n();
  const id = useId();
  const [name, setName] = useState('');
  const [color, setColor] = useState('#39A8EF');
  const [kind, setKind] = useState<string>('PROCESS');
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (await onAdd({ name: name.trim(), color: color.toUpperCase(), semantics: stages ? kind : undefined })) setName('');
  }
  return (
    <form className="admin-panel form-grid" onSubmit={submit} aria-label={t('admin.lists.newItem')}>
      <h2>{t('admin.lists.newItem')}</h2>
      <div className="form-field">
        <label htmlFor={`${id}-name`}>{t('admin.lists.name')}</label>
        <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} required />
      </div>
      <div className="form-field">
        <label htmlFor={`${id}-color`}>{t('admin.lists.color')}</label>
        <input id={`${id}-color`} type="color" value={color} onChange={(e) => setColor(e.target.value)} />
      </div>
      {stages && (
        <div className="form-field">
          <label htmlFor={`${id}-semantics`}>{t('admin.lists.semantics')}</label>
          <select id={`${id}-semantics`} value={kind} onChange={(e) => setKind(e.target.value)}>
            {semantics.map((s) => (
              <option key={s} value={s}>
                {t(`admin.lists.${s}`)}
              </option>
            ))}
          </select>
        </div>
      )}
      <div className="dialog-actions">
        <button type="submit" className="primary">
          {t('admin.lists.add')}
        </button>
      </div>
    </form>
  );
}
