// Small stand-ins for app containers behind the edge: Node HTTP servers on
// 127.0.0.1 that record what reaches them (headers, bodies, TCP connections)
// and answer WebSocket-style upgrades. Plus a raw HTTP client that can set the
// Host header (fetch cannot) and never pools connections.
import { request as httpRequest, createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { freePort } from './server-helpers.js';

export { freePort };

export interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  bodyBytes: number;
}

export interface TestUpstream {
  name: string;
  port: number;
  seen: Seen[];
  /** TCP connections accepted so far. */
  connections: number;
  close(): Promise<void>;
}

/** Answers `name` (or, for /slow?ms=N, `name` after N ms); upgrades get a 101 and an echo. */
export async function startUpstream(name: string): Promise<TestUpstream> {
  const sockets = new Set<Socket>();
  const up: TestUpstream = { name, port: 0, seen: [], connections: 0, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    let bodyBytes = 0;
    req.on('data', (c: Buffer) => (bodyBytes += c.length));
    req.on('end', () => {
      up.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, bodyBytes });
      const ms = /^\/slow\?ms=(\d+)$/.exec(req.url ?? '');
      const answer = (): void => void res.end(name);
      if (ms) setTimeout(answer, Math.min(Number(ms[1]), 10_000));
      else answer();
    });
  });
  server.keepAliveTimeout = 120_000; // longer than nginx's idle upstream connections: no close race
  server.on('connection', (s: Socket) => {
    up.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req, socket: Socket) => {
    up.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, bodyBytes: 0 });
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    socket.on('data', (d: Buffer) => socket.write(d)); // echo
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  up.port = (server.address() as { port: number }).port;
  up.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return up;
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  ms: number;
}

/** One request to 127.0.0.1:port with the given Host, on a fresh connection, bounded by a timeout. */
export function hit(
  port: number,
  host: string,
  opts: { path?: string; method?: string; headers?: Record<string, string>; body?: Buffer; timeoutMs?: number } = {},
): Promise<Answer> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path: opts.path ?? '/', method: opts.method ?? 'GET', agent: false, headers: { host, ...opts.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), ms: Date.now() - started }));
        res.on('error', reject);
      },
    );
    req.setTimeout(opts.timeoutMs ?? 5_000, () => req.destroy(new Error(`request to ${host} timed out`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}
