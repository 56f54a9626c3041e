import type { UserError } from './common';

export type Answer = { data?: Record<string, unknown>; error?: { message: string } };

/** The refusals of a mutation's answer: its payload's errors (or the transport's error). */
export function refusalsOf(answer: Answer, field: string): UserError[] {
  if (answer.error) return [{ code: 'ERROR', message: answer.error.message, path: [] }];
  const value = answer.data?.[field];
  if (Array.isArray(value)) return value as UserError[];
  return ((value as { errors?: UserError[] } | undefined)?.errors ?? []) as UserError[];
}
