import type { MenuItem } from '../app/menu';

// The admin area's entries (owned by the admin area); shown only to users with the settings right.
export const adminMenu: MenuItem[] = [
  { href: '/admin/custom-fields', label: { key: 'admin.customFields' } },
  { href: '/admin/lists', label: { key: 'admin.lists' } },
  { href: '/admin/people', label: { key: 'admin.people' } },
  { href: '/admin/groups', label: { key: 'admin.groups' } },
  { href: '/admin/roles', label: { key: 'admin.roles' } },
  { href: '/admin/api-keys', label: { key: 'admin.apiKeys' } },
  { href: '/admin/automation', label: { key: 'admin.automation' } },
  { href: '/admin/processes', label: { key: 'admin.processes' } },
  { href: '/admin/plugins', label: { key: 'admin.plugins' } },
];
