// The demo creator's partner key (its secret is not kept: issue keys with createApiKey to get
// one) and its calls, by the real operations of the partner manifest.
import fs from 'node:fs';
import { issueApiKey } from '../../auth/api-keys';
import { MANIFEST_FILE } from '../../paths';
import { uuid, type SeedScope } from './scope';

export interface SeedApiKey {
  id: string;
  prefix: string;
}

/** Operation name -> hash, from the committed partner manifest. */
function partnerOperationHashes(): Map<string, string> {
  const manifest = JSON.parse(fs.readFileSync(MANIFEST_FILE, 'utf8')) as Record<string, string>;
  return new Map(
    Object.entries(manifest).map(([hash, document]) => [
      /^\w+ (\w+)/.exec(document)?.[1] ?? '',
      hash.replace(/^sha256:/, ''),
    ]),
  );
}

export async function seedPartnerKey({ tx, rnd, ago }: SeedScope): Promise<SeedApiKey> {
  const keyId = uuid();
  const [tenant] = await tx.$queryRaw<{ id: string }[]>`SELECT app.current_creator_id()::text AS id`;
  const issued = issueApiKey(tenant!.id);
  await tx.apiKey.create({
    data: {
      id: keyId,
      name: 'CRM sync (demo)',
      keyPrefix: issued.prefix,
      keyHash: issued.hash,
      scopes: ['read'],
      allowedOperations: ['PartnerUserChanges', 'PartnerUserRewards'],
      lastUsedAt: ago(0, 2),
    },
  });
  const operations = partnerOperationHashes();
  await tx.apiUsageLog.createMany({
    data: Array.from({ length: 12 }, (_, i) => {
      const name = i % 2 === 0 ? 'PartnerUserChanges' : 'PartnerUserRewards';
      return {
        apiKeyId: keyId,
        operationName: name,
        operationHash: operations.get(name) ?? null,
        statusCode: i === 5 ? 429 : 200,
        errorCode: i === 5 ? 'RATE_LIMITED' : null,
        durationMs: rnd.int(4, 60),
        requestSizeBytes: rnd.int(120, 400),
        responseSizeBytes: rnd.int(300, 9_000),
        ipAddress: '203.0.113.10',
        createdAt: ago(i % 6, i),
      };
    }),
  });
  return { id: keyId, prefix: issued.prefix };
}
