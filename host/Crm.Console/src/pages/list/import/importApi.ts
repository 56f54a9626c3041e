import { graphql } from '../../../gql';

// The import's three requests: the file uploaded, read as the import would, and the job started.

/**
 * The file goes up by the GraphQL multipart request convention (urql sends a File variable that
 * way): through the same client as every request, so the token and its refresh on a 401 are
 * those of the rest of the console, and a refusal (too large) comes back as a GraphQL error.
 */
export const UploadFile = graphql(`
  mutation ConsoleUploadFile($file: Upload!) {
    uploadFile(file: $file) {
      id fileName length
    }
  }
`);

export const PreviewImport = graphql(`
  query ConsolePreviewImport($entityType: CrmEntityType!, $fileId: ID!, $options: ImportOptionsInput) {
    previewImport(entityType: $entityType, fileId: $fileId, options: $options) {
      fileName format encoding delimiter headers rows
      suggestedMapping { column field }
      targets { field label valueType }
      errors { code message path }
    }
  }
`);

export const StartImport = graphql(`
  mutation ConsoleStartImport($entityType: CrmEntityType!, $fileId: ID!, $options: ImportOptionsInput!) {
    startImport(entityType: $entityType, fileId: $fileId, options: $options) {
      job { id }
      errors { code message path }
    }
  }
`);

/** What the import's options offer, as the API names them. */
export const encodings = ['UTF-8', 'UTF-16LE', 'UTF-16BE', 'WINDOWS-1250', 'ISO-8859-2'] as const;
export const delimiters = [',', ';', 'TAB', '|'] as const;
export const duplicateChoices = ['CREATE', 'SKIP', 'UPDATE'] as const;
export const matchRules = ['EMAIL', 'PHONE', 'NAME_IN_COMPANY'] as const;

export type DuplicateChoice = (typeof duplicateChoices)[number];
export type MatchRule = (typeof matchRules)[number];

export interface UploadedFile {
  id: string;
  fileName: string;
  length: number;
}

export interface Preview {
  format: string | null;
  encoding: string | null;
  delimiter: string | null;
  headers: string[];
  rows: string[][];
  suggestedMapping: { column: string; field: string }[];
  /** Every field a column may fill, as the mapping names it (phones:MOBILE, companyIds included). */
  targets: { field: string; label: string; valueType?: string | null }[];
}

/** A payload's error as the API gives it: its path says which option it concerns (options.mapping.2.field ...). */
export interface ApiError {
  code: string;
  message: string;
  path: string[];
}
