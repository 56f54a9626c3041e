import { createContext, useContext, type ReactNode } from 'react';

export interface Permission {
  entityType: string;
  partition: string | null;
  action: string;
  level: string;
}

export interface Me {
  id: string;
  email: string;
  name: string;
  lastName: string | null;
  language: string;
  timeZone: string;
  canConfigure: boolean;
  isAdministrator: boolean;
  permissions: Permission[];
}

const MeContext = createContext<Me | null>(null);

export function MeProvider({ me, children }: { me: Me; children: ReactNode }) {
  return <MeContext.Provider value={me}>{children}</MeContext.Provider>;
}

export function useMe(): Me {
  const me = useContext(MeContext);
  if (!me) throw new Error('useMe outside MeProvider');
  return me;
}

/** Whether the caller has any level above NONE for an action on a type (in any partition, or in the one given). */
export function can(me: Me, entityType: string, action: string, partition?: string | null): boolean {
  return me.permissions.some(
    (p) => p.entityType === entityType && p.action === action && (partition == null || p.partition == null || p.partition === partition),
  );
}
