import type { MenuItem } from '../app/menu';

// The admin area's entries (owned by the admin area); shown only to users with the settings right.
export const adminMenu: MenuItem[] = [
  { href: '/admin/custom-fields', label: { key: 'admin.customFields' } },
  { href: '/admin/automation', label: { key: 'admin.automation' } },
];
