// Typed operations from the platform's schema (the file the host's schema test keeps current).
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: '../../schema/schema.graphql',
  documents: ['src/**/*.{ts,tsx}', '!src/gql/**/*'],
  ignoreNoDocuments: true,
  generates: {
    './src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { ID: 'string', DateTime: 'string', DateOnly: 'string', Decimal: 'number', Long: 'number', JSON: 'unknown', Upload: 'File' },
      },
    },
  },
};

export default config;
