// A bounded load through the edge: a few keep-alive clients loop until told to
// stop, or until their request or time budget runs out, and count what failed.
import { Agent, request } from 'node:http';

export interface LoadResult {
  ok: number;
  failed: number;
  /** Requests resent because a reused keep-alive connection was closed under them (what browsers do too). */
  retried: number;
  bodies: Map<string, number>;
  failures: string[];
}

export function startLoad(port: number, host: string, opts: { clients?: number; maxRequests?: number; maxMs?: number; path?: string } = {}) {
  const { clients = 4, maxRequests = 20_000, maxMs = 120_000, path = '/' } = opts;
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const result: LoadResult = { ok: 0, failed: 0, retried: 0, bodies: new Map(), failures: [] };
  const deadline = Date.now() + maxMs;
  let stopped = false;
  // HTTP/1.1 lets a server close an idle keep-alive connection at any time (RFC 9112 9.3.1);
  // a client that was just sending on it retries the idempotent request once, as browsers do.
  const once = (retry = true): Promise<void> =>
    new Promise<void>((resolve) => {
      const req = request({ host: '127.0.0.1', port, path, agent, headers: { host }, timeout: 5000 }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => {
          if (res.statusCode === 200) {
            result.ok++;
            result.bodies.set(body.trim(), (result.bodies.get(body.trim()) ?? 0) + 1);
          } else {
            result.failed++;
            if (result.failures.length < 10) result.failures.push(`HTTP ${res.statusCode}: ${body.slice(0, 80)}`);
          }
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (e) => {
        if (retry && req.reusedSocket && /ECONNRESET|socket hang up/.test(e.message)) {
          result.retried++;
          resolve(once(false));
          return;
        }
        result.failed++;
        if (result.failures.length < 10) result.failures.push(`${e.message}${req.reusedSocket ? " (reused connection, after a retry)" : " (new connection)"}`);
        resolve();
      });
      req.end();
    });
  const client = async () => {
    while (!stopped && Date.now() < deadline && result.ok + result.failed < maxRequests) await once();
  };
  const running = Promise.all(Array.from({ length: clients }, client));
  return {
    result,
    stop: async (): Promise<LoadResult> => {
      stopped = true;
      await running;
      agent.destroy();
      return result;
    },
  };
}
