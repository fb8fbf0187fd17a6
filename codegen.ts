// GraphQL Code Generator: typed documents for the operations first-party clients and partners
// send (operations/**/*.graphql), generated against the committed schema.graphql, which is
// itself printed from the code (npm run schema:print). Run with `npm run codegen`.
//
// operations/partner/ is also the partner safelist: its output includes
// persisted-documents.json, the manifest of sha256 hash -> document that the server loads and
// that partners call by hash. CI regenerates it and fails if the committed one differs.
//
// BigInt is a decimal string on the wire (src/graphql/bigint-scalar.ts), so it is a string here.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  ignoreNoDocuments: false,
  generates: {
    'src/generated/graphql/': {
      documents: ['operations/admin/*.graphql', 'operations/system/*.graphql'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        scalars: { DateTime: 'string', BigInt: 'string' },
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
    'src/generated/partner/': {
      documents: ['operations/partner/*.graphql'],
      preset: 'client',
      presetConfig: { fragmentMasking: false, persistedDocuments: { hashAlgorithm: 'sha256' } },
      config: {
        scalars: { DateTime: 'string', BigInt: 'string' },
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
  },
};

export default config;
