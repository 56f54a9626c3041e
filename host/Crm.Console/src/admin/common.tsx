import { useQuery } from 'urql';
import type { ReactNode } from 'react';
import { useI18n } from '../i18n';
import './admin.css';

export interface UserError {
  code: string;
  message: string;
  path: string[];
}

/** The record types of the admin's pickers: every type the caller may read, in the console's language. */
const typesQuery = `query AdminEntityTypes($language: String) { entityTypes(language: $language) { name label pluralLabel customFields } }`;

export interface AdminType {
  name: string;
  label: string;
  pluralLabel: string;
  customFields: boolean;
}

export function useAdminTypes(): AdminType[] {
  const { language } = useI18n();
  const [{ data }] = useQuery<{ entityTypes: AdminType[] }>({ query: typesQuery, variables: { language } });
  return data?.entityTypes ?? [];
}

/** A page of the admin area: its heading, a status line for what was done, and its content. */
export function AdminPage({ title, status, children }: { title: string; status?: string | null; children: ReactNode }) {
  return (
    <section className="page admin-page" aria-labelledby="admin-heading">
      <div className="page-head">
        <h1 id="admin-heading">{title}</h1>
      </div>
      <p role="status" className="admin-status">
        {status ?? ''}
      </p>
      {children}
    </section>
  );
}

/** The API's refusals, each with where in the input it is. */
export function UserErrors({ errors }: { errors: UserError[] }) {
  const { t } = useI18n();
  if (errors.length === 0) return null;
  return (
    <ul className="problem admin-errors" role="alert">
      {errors.map((e, i) => (
        <li key={i}>{e.path.length > 0 ? t('admin.errorAt', { path: e.path.join('.'), message: e.message }) : e.message}</li>
      ))}
    </ul>
  );
}
