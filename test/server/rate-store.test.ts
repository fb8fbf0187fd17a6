// The in-memory rate store: a take over several keys is all or nothing, and its sweep keeps each
// key for its own window.
import { MemoryRateStore } from '../../src/server/rate-limit';
import { expectTakesAllOrNothing } from './rate-limit-fixtures';

// A test that waits for the start of a minute (fixtures) may wait 40 s before it starts.
jest.setTimeout(120_000);

describe('the memory store', () => {
  test('with several keys, one over its limit refuses the take and adds to none', async () => {
    const store = new MemoryRateStore();
    await expectTakesAllOrNothing(store, async (key) => (await store.peek(key, 60_000, Date.now())).current);
  });
});

test('anonymous: past 200,000 keys the memory store sweeps each key by its own window, so an hour counter outlives a flood of minute keys', async () => {
  const store = new MemoryRateStore();
  const now = Date.now();
  const hour = { key: 'signup:source:203.0.113.1', amount: 1, limit: 3, windowMs: 3_600_000 };
  for (let i = 0; i < 3; i++) expect(await store.take([hour], now)).toBeUndefined();
  // A flood of sources, each a minute key, two minutes later.
  const later = now + 120_000;
  for (let i = 0; i < 210_000; i++)
    await store.take([{ key: `auth:source:10.${i}`, amount: 1, limit: 30, windowMs: 60_000 }], later);
  expect(await store.take([hour], later)).toMatchObject({ index: 0 });
});
