// The server's one async store (src/db/async-scope.ts): each slot must behave exactly as the
// separate AsyncLocalStorage it replaced (the audit actor, the wire scope, the tenant permits held).
import { scopeSlot } from '../../src/db/async-scope';
import { currentAuditActor, runWithAuditContext, setAuditActor } from '../../src/db/audit-context';
import { wireScope, type WireScope } from '../../src/db/tenant-wire';

const wire = (name: string): WireScope => ({ begin: `BEGIN; -- ${name}`, settings: [name], pipelined: true });
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('async-scope', () => {
  it('an inner run never shows in the outer scope, and other slots are inherited', async () => {
    const held = scopeSlot<ReadonlySet<string>>('held');
    const outer = wire('outer');
    const inner = wire('inner');
    await wireScope.run(outer, async () => {
      const tenants = new Set(['a']);
      await held.run(tenants, async () => {
        await tick();
        expect(wireScope.getStore()).toBe(outer);
        await wireScope.run(inner, async () => {
          await tick();
          expect(wireScope.getStore()).toBe(inner);
          expect(held.getStore()).toBe(tenants);
        });
        expect(wireScope.getStore()).toBe(outer);
      });
      expect(held.getStore()).toBeUndefined();
      expect(wireScope.getStore()).toBe(outer);
    });
    expect(wireScope.getStore()).toBeUndefined();
  });

  it('exit empties only its own slot', async () => {
    const held = scopeSlot<ReadonlySet<string>>('held');
    const tenants = new Set(['a']);
    await held.run(tenants, () =>
      wireScope.run(wire('w'), () =>
        wireScope.exit(async () => {
          await tick();
          expect(wireScope.getStore()).toBeUndefined();
          expect(held.getStore()).toBe(tenants);
        }),
      ),
    );
  });

  it('concurrent async paths never see each other’s slots', async () => {
    const seen = await Promise.all(
      ['a', 'b', 'c'].map((name) =>
        wireScope.run(wire(name), async () => {
          await tick();
          await runWithAuditContext(async () => {
            await tick();
            setAuditActor({ actorType: 'creator', actorId: name, requestId: `r-${name}`, reason: null });
            await tick();
          });
          await tick();
          return wireScope.getStore()!.settings[0];
        }),
      ),
    );
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(currentAuditActor().actorType).toBe('system');
  });

  it('setAuditActor fills the record that nested scopes share', async () => {
    await runWithAuditContext(async () => {
      let inside: ReturnType<typeof currentAuditActor> | undefined;
      const nested = wireScope.run(wire('w'), async () => {
        await tick();
        await tick();
        inside = currentAuditActor();
      });
      // Set after the nested scope was entered, as the request context does.
      setAuditActor({ actorType: 'admin', actorId: 'x', requestId: 'req-1', reason: 'support' });
      await nested;
      expect(inside).toEqual({ actorType: 'admin', actorId: 'x', requestId: 'req-1', reason: 'support' });
    });
    expect(currentAuditActor()).toEqual({ actorType: 'system', actorId: null, requestId: null, reason: null });
  });

  it('runWithAuditContext starts from its initial record, never the outer one', async () => {
    await runWithAuditContext(
      async () => {
        await runWithAuditContext(async () => {
          await tick();
          expect(currentAuditActor().actorId).toBeNull();
        });
        expect(currentAuditActor().actorId).toBe('outer');
      },
      { actorType: 'creator', actorId: 'outer' },
    );
  });
});
