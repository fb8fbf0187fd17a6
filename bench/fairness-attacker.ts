// The attacker of npm run bench:fairness, in a worker thread of its own, so that its loops never
// hold up the event loop that paces and times the victim's requests (measured first in one
// thread, the attack's own client work showed up as the victim's latency).
//
// Messages: in, { attack: seconds }; out, 'ready' once prepared, then { outcomes } after each
// attack, and { setupRefusals } with 'ready'.
import { parentPort, workerData } from 'node:worker_threads';
import { attackVectors } from './fairness-attacks';
import type { Attacker, Outcomes } from './fairness-requests';

async function main(): Promise<void> {
  const options = workerData as { port: number; source: string; victimEmail: string; only?: string[] };
  const attacker: Attacker = {
    port: options.port,
    source: options.source,
    victimEmail: options.victimEmail,
    stopAt: 0,
  };
  const attacks = await attackVectors(attacker);
  if (options.only)
    for (const name of Object.keys(attacks.vectors))
      if (!options.only.some((w) => name.toLowerCase().includes(w))) delete attacks.vectors[name];
  parentPort!.postMessage({ ready: true, setupRefusals: attacks.setupRefusals, names: Object.keys(attacks.vectors) });
  parentPort!.on('message', (message: { attack?: number; close?: boolean }) => {
    if (message.close) {
      void attacks.close().then(() => process.exit(0));
      return;
    }
    attacker.stopAt = Date.now() + message.attack! * 1000;
    void Promise.all(Object.values(attacks.vectors).map((run) => run())).then((settled) => {
      const outcomes: Record<string, Outcomes> = Object.fromEntries(
        Object.keys(attacks.vectors).map((name, i) => [name, settled[i]!]),
      );
      parentPort!.postMessage({ outcomes });
    });
  });
}

main().catch((error: unknown) => {
  parentPort!.postMessage({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
});
