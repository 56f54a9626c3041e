import type { ComponentType } from 'react';
import { CustomFieldsPage } from './CustomFieldsPage';
import { RulesPage } from './RulesPage';

// The admin area's pages (owned by the admin area), mounted under /admin by the app's router.
export interface AdminRoute {
  path: string;
  component: ComponentType;
}

export const adminRoutes: AdminRoute[] = [
  { path: '/custom-fields', component: CustomFieldsPage },
  { path: '/automation', component: RulesPage },
];
