// A TCP port free on loopback right now, for a server a test starts itself.
import fs from 'node:fs';
import net from 'node:net';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A free port outside the kernel's ephemeral range, for a test that later checks that nothing
 * listens on it: a port from freePort() can be handed to any other process binding port 0 in
 * the meantime (the suite runs files in parallel), and then the check fails for nothing.
 */
export async function freeQuietPort(): Promise<number> {
  let low = 32768;
  try {
    low = Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || low;
  } catch {
    // Not Linux: the IANA ephemeral range starts at 49152, above the range used below.
  }
  const from = 10_000;
  const to = Math.max(from + 1_000, Math.min(low, 32768));
  for (;;) {
    const port = from + Math.floor(Math.random() * (to - from));
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
}
