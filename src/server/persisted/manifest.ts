// The partner safelist: operations/partner/*.graphql, compiled by codegen into
// src/generated/partner/persisted-documents.json (sha256 hash -> document). Partners may run
// these documents and nothing else; they call them by hash.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { getOperationAST, parse, validate, type GraphQLSchema } from 'graphql';
import * as firstPartyDocuments from '../../generated/graphql/graphql';
import { MANIFEST_FILE } from '../../paths';
import type { OperationManifest, PersistedOperation } from '../../graphql/ports';

/**
 * Reads and checks the manifest: every hash must be the document's SHA-256, every document a
 * single named operation that is valid against `schema`. A bad manifest stops the server at
 * start, not a partner at run time.
 */
export function loadManifest(schema: GraphQLSchema, file = MANIFEST_FILE): OperationManifest {
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
  const byHash = new Map<string, PersistedOperation>();
  const byName = new Map<string, PersistedOperation>();
  for (const [key, document] of Object.entries(raw)) {
    const hash = key.replace(/^sha256:/, '');
    const problem = (message: string) =>
      new Error(`${path.relative(process.cwd(), file)}: operation ${hash}: ${message} (run npm run codegen)`);
    if (crypto.createHash('sha256').update(document).digest('hex') !== hash)
      throw problem('hash is not the SHA-256 of its document');
    const ast = parse(document);
    const errors = validate(schema, ast);
    if (errors.length > 0) throw problem(`invalid against the schema: ${errors[0]!.message}`);
    const operation = getOperationAST(ast);
    if (!operation?.name) throw problem('must be exactly one named operation');
    if (byName.has(operation.name.value)) throw problem(`operation name ${operation.name.value} is used twice`);
    const entry: PersistedOperation = { hash, name: operation.name.value, type: operation.operation, document };
    byHash.set(hash, entry);
    byName.set(entry.name, entry);
  }
  return { byHash, byName };
}

/**
 * Every operation name the server knows: the partner manifest's, and those of the first-party
 * documents (operations/admin, operations/system), which codegen compiles into typed documents.
 * Metrics label operations by these names only (metrics.ts).
 */
export function knownOperationNames(manifest: OperationManifest): Set<string> {
  const names = new Set(manifest.byName.keys());
  for (const value of Object.values(firstPartyDocuments)) {
    const document = value as { kind?: unknown; definitions?: { kind: string; name?: { value: string } }[] };
    if (document?.kind !== 'Document') continue;
    for (const definition of document.definitions ?? [])
      if (definition.kind === 'OperationDefinition' && definition.name) names.add(definition.name.value);
  }
  return names;
}
