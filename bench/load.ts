// Load and CPU: closed-loop load from autocannon (bounded in time), an evenly paced open loop
// (for latency), and CPU read from /proc for a process and for the whole PostgreSQL server.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import autocannon from 'autocannon';
import { percentile, sleep } from './harness';
import type { HttpRequest } from './queries';
import type { Server } from './server';

let clockTickMs: number | undefined;

/** The fields of /proc/<pid>/stat after the command name: [0] state, [1] ppid, [11] utime, [12] stime. */
function procStat(pid: number | string): string[] {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** utime + stime of procStat's fields, in milliseconds. */
function statCpuMs(fields: string[]): number {
  clockTickMs ??= 1000 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim() || 100);
  return (Number(fields[11]) + Number(fields[12])) * clockTickMs;
}

/** utime + stime of a process, in milliseconds. */
export function cpuMs(pid: number): number {
  return statCpuMs(procStat(pid));
}

/**
 * utime + stime of each process of the PostgreSQL server: the postmaster and every process it
 * forked (backends, autovacuum, the checkpointer...), by pid.
 */
export function postgresCpu(postmaster: string): Map<string, number> {
  const cpu = new Map<string, number>([[postmaster, cpuMs(Number(postmaster))]]);
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = procStat(entry);
      if (fields[1] === postmaster) cpu.set(entry, statCpuMs(fields));
    } catch {
      // the process ended while we looked
    }
  }
  return cpu;
}

/**
 * PostgreSQL's CPU between two snapshots: what each process alive at the end used since the
 * first (all of it, for one that started in between). A process that ended in between is left
 * out: a pool closes only connections idle for far longer than a run, which used nothing in it.
 */
export function postgresCpuSince(before: Map<string, number>, postmaster: string): number {
  let total = 0;
  for (const [pid, ms] of postgresCpu(postmaster)) total += ms - (before.get(pid) ?? 0);
  return total;
}

/** Closed-loop load: `connections` clients sending `requests` in turn, for `seconds`. */
export async function autocannonRun(
  port: number,
  requests: HttpRequest[],
  options: { seconds: number; connections: number },
) {
  let ok = 0;
  let errors = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections: options.connections,
        duration: options.seconds,
        requests: requests.map((r) => ({ method: 'POST' as const, path: r.path, headers: r.headers, body: r.body })),
      },
      (error, result) => (error ? reject(error as Error) : resolve(result)),
    );
    instance.on('response', (_client: unknown, statusCode: number) => {
      if (statusCode === 200) ok++;
      else errors++;
    });
  });
  // `sent` counts the requests still in flight when the time was up: the target serves them too.
  return {
    sent: Math.max(result.requests.sent, ok + errors),
    ok,
    errors: errors + result.errors + result.timeouts,
    seconds: result.duration,
  };
}

/**
 * A closed-loop run of `server` with its CPU and PostgreSQL's over it, counted once the requests
 * still in flight when the time was up have settled (`settleMs`): they are served, and counted
 * in `load.sent`.
 */
export async function measureLoad(
  server: Server,
  requests: HttpRequest[],
  options: { seconds: number; connections: number; settleMs: number; postmaster: string },
) {
  const cpuBefore = cpuMs(server.child.pid!);
  const dbCpuBefore = postgresCpu(options.postmaster);
  const load = await autocannonRun(server.port, requests, options);
  await sleep(options.settleMs);
  return { load, cpu: cpuMs(server.child.pid!) - cpuBefore, dbCpu: postgresCpuSince(dbCpuBefore, options.postmaster) };
}

/**
 * Open-loop load at a fixed rate, evenly paced (autocannon's rate limit releases each second's
 * requests as a burst, which measures queueing, not latency): a request every 1/rate s,
 * whatever the answers do, over keep-alive connections. Latency is from the moment a request
 * was due to its last byte, so a stall counts against the requests it delays. With `check`, an
 * answer whose body it rejects (a GraphQL error under a 200) counts as an error too.
 */
export async function pacedRun(
  port: number,
  requests: HttpRequest[],
  rate: number,
  seconds: number,
  check?: (body: string) => boolean,
) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const prepared = requests.map((r) => ({
    path: r.path,
    body: r.body,
    headers: { ...r.headers, 'content-length': Buffer.byteLength(r.body) },
  }));
  const latencies: number[] = [];
  let errors = 0;
  const total = Math.round(rate * seconds);
  const start = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const r = prepared[i % prepared.length]!;
    inflight.push(
      new Promise<void>((resolve) => {
        const req = http.request(
          { host: '127.0.0.1', port, path: r.path, method: 'POST', headers: r.headers, agent },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => check && chunks.push(chunk));
            res.on('end', () => {
              if (res.statusCode === 200 && (!check || check(Buffer.concat(chunks).toString())))
                latencies.push(performance.now() - due);
              else errors++;
              resolve();
            });
          },
        );
        req.on('error', () => {
          errors++;
          resolve();
        });
        req.end(r.body);
      }),
    );
  }
  await Promise.all(inflight);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    errors,
    served: latencies.length,
    latencies,
  };
}
