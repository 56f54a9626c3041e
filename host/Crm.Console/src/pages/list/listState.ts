import type { EntityTypeInfo } from '../../metadata/types';

/** What a list shows, as the API's lists, exports and bulk actions take it. */
export interface ListState {
  /** The saved view applied (its filter AND-ed with where, its order unless order is given). */
  viewId: string | null;
  /** The filter builder's conditions, in the list's where grammar. */
  where: Record<string, unknown> | null;
  /** The order chosen on the list ([{ amount: 'DESC' }]); null: the view's, else the API's. */
  order: Record<string, string>[] | null;
  columns: string[];
}

/**
 * The registered name of a record type (deal, smartInvoice) for the APIs that take it as text
 * (views): the CrmEntityType value (DEAL, SMART_INVOICE) is its snake-case, upper-cased.
 */
export function registryName(type: EntityTypeInfo): string {
  return type.name.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The warnings a response carries in extensions.warnings (a saved view's condition on a deleted field ...). */
export function warningsOf(extensions: Record<string, unknown> | undefined): string[] {
  const warnings = extensions?.warnings;
  if (!Array.isArray(warnings)) return [];
  return warnings.map((w) => (w && typeof w === 'object' && 'message' in w ? String((w as { message: unknown }).message) : String(w)));
}

/** Two filters AND-ed (either may be missing). */
export function andWhere(a: unknown, b: unknown): Record<string, unknown> | null {
  const parts = [a, b].filter((p): p is Record<string, unknown> => !!p && typeof p === 'object' && Object.keys(p).length > 0);
  if (parts.length === 0) return null;
  return parts.length === 1 ? parts[0]! : { and: parts };
}
