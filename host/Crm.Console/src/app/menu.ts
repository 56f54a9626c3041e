import type { MessageKey } from '../i18n';
import { allowed, type EntityTypeInfo } from '../metadata/types';
import { listPath } from '../metadata/entityTypes';
import type { Me } from './me';
import { adminMenu } from '../admin/menu';

export interface MenuItem {
  href: string;
  /** A translated label, or the API's own (record types come labelled in the caller's language). */
  label: { key: MessageKey } | { text: string };
}

/** The workspace's menu: my day, a list per readable type, the board, duplicates, my jobs; the admin area's entries only with the settings right. */
export function buildMenu(me: Me, types: EntityTypeInfo[]): { main: MenuItem[]; admin: MenuItem[] } {
  const main: MenuItem[] = [{ href: '/', label: { key: 'menu.myDay' } }];
  for (const type of types) {
    if (type.name === 'ACTIVITY') continue; // activities live on "my day" and on each record
    main.push({ href: listPath(type.name), label: { text: type.pluralLabel } });
  }
  if (types.some((t) => t.name === 'DEAL' && t.stageField)) main.push({ href: '/board', label: { key: 'menu.board' } });
  // Merging needs update and delete: offered where the user may do both on some type.
  if (types.some((t) => t.name !== 'ACTIVITY' && allowed(t, 'UPDATE') && allowed(t, 'DELETE'))) main.push({ href: '/duplicates', label: { key: 'menu.duplicates' } });
  main.push({ href: '/jobs', label: { key: 'menu.jobs' } });
  return { main, admin: me.canConfigure ? adminMenu : [] };
}
