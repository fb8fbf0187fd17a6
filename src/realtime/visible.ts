// Events name rows by id; before a row is pushed to a subscriber it is re-read through the
// subscriber's own tenant client, so row-level security decides once more what it may see.
import { prismaFor } from '../graphql/tenant';
import type { Context } from '../server/context';
import { RESYNC, type ChangeEvent } from './hub';

type Findable = { findUnique(args: { where: { id: string }; select: { id: true } }): Promise<{ id: string } | null> };

export async function* visibleRows(ctx: Context, model: string, events: AsyncIterable<ChangeEvent | typeof RESYNC>): AsyncGenerator<ChangeEvent> {
  const delegate = (prismaFor(ctx) as unknown as Record<string, Findable>)[model]!;
  for await (const event of events) {
    if (event === RESYNC) continue;
    if (await delegate.findUnique({ where: { id: event.id }, select: { id: true } })) yield event;
  }
}
