// createKnowledgeBase / updateKnowledgeBase / deleteKnowledgeBase over the real server: the answer
// and what is really stored.
import { useApiHarness, gid, uuidOf, expectValidation, expectNotFound } from '../../helpers/api';
import { CREATE_KB, UPDATE_KB, DELETE_KB, ADD_CHUNKS, knowledgeFixtures, knowledgeRows, type Seeded } from './fixtures';

const api = useApiHarness({ env: { LOG_LEVEL: 'silent' }, checkCountersAfterEach: true });
const { asCreatorA, expectUnauthenticated, count } = api;
const { mutate } = api.withTokens;

const { kbRow, docRow, knowledgeState, newKb, newDoc } = knowledgeFixtures(api);
let A: Seeded;
beforeAll(async () => ({ A } = await knowledgeRows(api)));

describe('createKnowledgeBase / updateKnowledgeBase', () => {
  test('asCreatorA: creates one owned by A with documentCount 0; update changes only the given fields', async () => {
    const created = await mutate(asCreatorA(), CREATE_KB, 'createKnowledgeBase', {
      input: { name: '  Recipes  ', description: 'Healthy food.', settings: { chunkSize: 200 } },
    });
    expect(created.__typename).toBe('CreateKnowledgeBaseSuccess');
    expect(created.data).toEqual(
      expect.objectContaining({
        name: 'Recipes',
        description: 'Healthy food.',
        settings: { chunkSize: 200 },
        isActive: true,
        documentCount: 0,
      }),
    );
    const id = uuidOf(created.data.id);
    expect(await kbRow(id)).toEqual(
      expect.objectContaining({
        creator_id: api.tenants.creatorA,
        name: 'Recipes',
        description: 'Healthy food.',
        settings: { chunkSize: 200 },
        document_count: 0,
      }),
    );

    const updated = await mutate(asCreatorA(), UPDATE_KB, 'updateKnowledgeBase', {
      id: created.data.id,
      input: { isActive: false, description: 'Healthy food, fast.' },
    });
    expect(updated.__typename).toBe('UpdateKnowledgeBaseSuccess');
    expect(updated.data).toEqual(
      expect.objectContaining({
        name: 'Recipes',
        description: 'Healthy food, fast.',
        settings: { chunkSize: 200 },
        isActive: false,
      }),
    );
    expect(await kbRow(id)).toEqual(
      expect.objectContaining({ name: 'Recipes', description: 'Healthy food, fast.', is_active: false }),
    );
  });

  test('asCreatorA: invalid input is a ValidationError naming every bad field; nothing written or changed', async () => {
    const before = await knowledgeState();
    expectValidation(
      await mutate(asCreatorA(), CREATE_KB, 'createKnowledgeBase', {
        input: { name: ' ', description: 'd'.repeat(2001) },
      }),
      ['input.description', 'input.name'],
    );
    expectValidation(await mutate(asCreatorA(), CREATE_KB, 'createKnowledgeBase', { input: {} }), ['input.name']);
    expectValidation(
      await mutate(asCreatorA(), CREATE_KB, 'createKnowledgeBase', { input: { name: 'n'.repeat(201) } }),
      ['input.name'],
    );
    const kb = gid('KnowledgeBase', A.kbs.get('Running FAQ')!);
    expectValidation(await mutate(asCreatorA(), UPDATE_KB, 'updateKnowledgeBase', { id: kb, input: { name: '' } }), [
      'input.name',
    ]);
    expectValidation(
      await mutate(asCreatorA(), UPDATE_KB, 'updateKnowledgeBase', {
        id: gid('Document', A.kbs.get('Running FAQ')!),
        input: { name: 'x' },
      }),
      ['id'],
    );
    expect(await knowledgeState()).toEqual(before);
  });

  test('asCreatorA: deleteKnowledgeBase removes it with its documents and chunks; a second delete is a NotFoundError', async () => {
    const kb = await newKb(asCreatorA(), 'Scratch');
    const doc = await newDoc(asCreatorA(), kb, 'Scratch doc');
    expect(
      (
        await mutate(asCreatorA(), ADD_CHUNKS, 'addDocumentChunks', {
          documentId: doc,
          chunks: [
            { chunkIndex: 0, content: 'a' },
            { chunkIndex: 1, content: 'b' },
          ],
        })
      ).__typename,
    ).toBe('AddDocumentChunksSuccess');
    const result = await mutate(asCreatorA(), DELETE_KB, 'deleteKnowledgeBase', { id: kb });
    expect(result).toEqual({ __typename: 'DeleteKnowledgeBaseSuccess', data: kb });
    expect(await kbRow(uuidOf(kb))).toBeUndefined();
    expect(await docRow(uuidOf(doc))).toBeUndefined();
    expect(await count(`document_chunks WHERE document_id = $1`, [uuidOf(doc)])).toBe(0);
    expectNotFound(await mutate(asCreatorA(), DELETE_KB, 'deleteKnowledgeBase', { id: kb }));
  });

  test('asAnonymous: knowledge base mutations are UNAUTHENTICATED and write nothing', async () => {
    const before = await knowledgeState();
    const kb = gid('KnowledgeBase', A.kbs.get('Running FAQ')!);
    await expectUnauthenticated(CREATE_KB, { input: { name: 'Anon' } });
    await expectUnauthenticated(UPDATE_KB, { id: kb, input: { name: 'Anon' } });
    await expectUnauthenticated(DELETE_KB, { id: kb });
    expect(await knowledgeState()).toEqual(before);
  });
});
