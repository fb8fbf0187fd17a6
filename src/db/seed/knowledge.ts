// The demo creator's knowledge bases: documents split into chunks, the last document of a base
// with several still being processed.
import { uuid, type SeedScope } from './scope';

export async function seedKnowledge({ tx, demo }: SeedScope): Promise<void> {
  for (const kb of demo.knowledgeBases) {
    const kbId = uuid();
    await tx.knowledgeBase.create({
      data: { id: kbId, name: kb.name, description: kb.description, settings: { chunkSize: 400 } },
    });
    for (const [di, doc] of kb.documents.entries()) {
      const docId = uuid();
      const processed = di !== kb.documents.length - 1 || kb.documents.length === 1;
      await tx.document.create({
        data: {
          id: docId,
          knowledgeBaseId: kbId,
          title: doc.title,
          sourceType: 'text',
          mimeType: 'text/plain',
          fileSizeBytes: BigInt(Buffer.byteLength(doc.body)),
          content: doc.body,
          processingStatus: processed ? 'completed' : 'processing',
          embeddingStatus: processed ? 'completed' : 'pending',
        },
      });
      const sentences = doc.body.split(/(?<=\.)\s+/);
      await tx.documentChunk.createMany({
        data: sentences.map((content, chunkIndex) => ({
          documentId: docId,
          chunkIndex,
          content,
          tokenCount: content.split(/\s+/).length,
          embeddingId: processed ? `vec_${uuid().slice(0, 12)}` : null,
        })),
      });
    }
  }
}
