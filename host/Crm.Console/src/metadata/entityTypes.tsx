import { createContext, useContext, type ReactNode } from 'react';
import type { EntityTypeInfo } from './types';

const fieldSelection = `name label type list reference selectionList objectField filterable sortable operators required readOnly custom group groupLabel showInList description maxLength options { id value isDefault } recordTypes`;

/** Every record type the caller may read, labels in the console's language. */
export const entityTypesQuery = `query ConsoleEntityTypes($language: String) {
  entityTypes(language: $language) {
    name graphQLType label pluralLabel listField recordField searchable createMutation updateMutation deleteMutation
    titleField stageField permissionPartitions
    fields { ${fieldSelection} }
    actions { name label allowed }
  }
}`;

interface EntityTypesState {
  types: EntityTypeInfo[];
  /** Asks the API again (a custom field added meanwhile shows at once). */
  reload: () => void;
}

const EntityTypesContext = createContext<EntityTypesState | null>(null);

export function EntityTypesProvider({ types, reload, children }: EntityTypesState & { children: ReactNode }) {
  return <EntityTypesContext.Provider value={{ types, reload }}>{children}</EntityTypesContext.Provider>;
}

function useState(): EntityTypesState {
  const state = useContext(EntityTypesContext);
  if (!state) throw new Error('useEntityTypes outside EntityTypesProvider');
  return state;
}

export function useEntityTypes(): EntityTypeInfo[] {
  return useState().types;
}

export function useReloadEntityTypes(): () => void {
  return useState().reload;
}

/** A type by its name (DEAL) or its path segment (deal); undefined when the caller may not read it. */
export function useEntityType(name: string): EntityTypeInfo | undefined {
  const upper = name.toUpperCase();
  return useEntityTypes().find((t) => t.name === upper);
}

export function recordPath(type: string, id: string): string {
  return `/records/${type.toLowerCase()}/${encodeURIComponent(id)}`;
}

export function listPath(type: string): string {
  return `/records/${type.toLowerCase()}`;
}
