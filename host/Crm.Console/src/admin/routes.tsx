import { lazy, Suspense, type ComponentType } from 'react';
import { CustomFieldsPage } from './CustomFieldsPage';
import { RulesPage } from './RulesPage';
import { ListsPage } from './ListsPage';
import { PeoplePage } from './PeoplePage';
import { GroupsPage } from './GroupsPage';
import { RolesPage } from './RolesPage';
import { ApiKeysPage } from './ApiKeysPage';
import { PluginsPage } from './plugins/PluginsPage';

// The admin area's pages (owned by the admin area), mounted under /admin by the app's router.
export interface AdminRoute {
  path: string;
  component: ComponentType;
}

// The process editor brings React Flow: loaded when the page is opened, not with the console.
const ProcessesPage = lazy(() => import('./ProcessesPage'));
function Processes() {
  return (
    <Suspense fallback={<p aria-busy="true" />}>
      <ProcessesPage />
    </Suspense>
  );
}

export const adminRoutes: AdminRoute[] = [
  { path: '/custom-fields', component: CustomFieldsPage },
  { path: '/lists', component: ListsPage },
  { path: '/people', component: PeoplePage },
  { path: '/groups', component: GroupsPage },
  { path: '/roles', component: RolesPage },
  { path: '/api-keys', component: ApiKeysPage },
  { path: '/automation', component: RulesPage },
  { path: '/processes', component: Processes },
  { path: '/plugins', component: PluginsPage },
];
