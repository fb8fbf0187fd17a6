// The GraphQL-over-HTTP spec's own audit suite (the graphql-http package) against the real
// server: no MUST may fail. SHOULD and MAY results are reported, not required.
import { serverAudits } from 'graphql-http';
import { useDatabase, useServer } from '../helpers/harness';

const api = useServer(useDatabase(), { env: { LOG_LEVEL: 'silent' } });

test('the server passes every MUST of the GraphQL-over-HTTP audit', async () => {
  const audits = serverAudits({ url: api.server.url, fetchFn: fetch });
  const results = await Promise.all(audits.map((audit) => audit.fn()));
  const mustFailures = results
    .filter((r) => r.status !== 'ok' && r.name.startsWith('MUST'))
    .map((r) => `${r.name}: ${'reason' in r ? r.reason : ''}`);
  const others = results
    .filter((r) => r.status !== 'ok' && !r.name.startsWith('MUST'))
    .map((r) => `${r.status} ${r.name}`);
  if (others.length) console.info(`graphql-http audit, not required:\n${others.join('\n')}`);
  expect(results.length).toBeGreaterThan(20);
  expect(mustFailures).toEqual([]);
});
