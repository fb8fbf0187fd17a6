// The client's address, as the per-source limits, the security log and the usage log see it.
//
// Without TRUST_PROXY (hops = 0), X-Forwarded-For is ignored: anyone can write it, so trusting
// it would let one client pose as any number of sources. With TRUST_PROXY=n, the server sits
// behind n proxies that each append the address they received from; the client is then the
// address n entries from the right of [X-Forwarded-For..., socket], which is the entry n from
// the right of X-Forwarded-For (entries further left were written by the client itself). A
// chain shorter than n, or an entry that is not an IP address, falls back to the socket.
import net from 'node:net';
import type http from 'node:http';

export function clientAddress(
  req: Pick<http.IncomingMessage, 'headers' | 'socket'>,
  trustProxyHops: number,
): string | undefined {
  const socket = req.socket?.remoteAddress;
  if (!trustProxyHops || trustProxyHops < 1) return socket;
  const header = req.headers['x-forwarded-for'];
  const value = Array.isArray(header) ? header.join(',') : header;
  if (!value) return socket;
  const chain = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (chain.length < trustProxyHops) return socket;
  const candidate = chain[chain.length - trustProxyHops]!;
  return net.isIP(candidate) ? candidate : socket;
}
