// The admin area's labels (owned by the admin area; the workspace's are in sales.ts).

export const adminEn = {
  'admin.title': 'Settings',
};

export type AdminKey = keyof typeof adminEn;

export const adminPl: Record<AdminKey, string> = {
  'admin.title': 'Ustawienia',
};
