// A bounded keep-alive load (count and time), and single probes. A request
// whose REUSED keep-alive connection was closed by the server is retried once,
// as browsers do (HTTP/1.1 lets a server close an idle connection at any time,
// RFC 9112 9.3.1); such retries are counted apart and are not failures.
import { Agent, request } from 'node:http';

export interface LoadResult {
  ok: number;
  failed: number;
  retried: number;
  bodies: Map<string, number>;
  /** Failures by kind, as seen by the client (e.g. "HTTP 502", "socket hang up (new connection)"). */
  failures: Map<string, number>;
  /** Seconds during which requests failed with no success in between, summed. */
  outageMs: number;
  windows: number;
  elapsedMs: number;
  /** When each failure happened (performance.now() at its end). */
  failTimes: number[];
}

interface Done {
  start: number;
  end: number;
  ok: boolean;
}

export function startLoad(port: number, host: string, opts: { clients: number; maxRequests: number; maxMs: number; path?: string }) {
  const { clients, maxRequests, maxMs, path = '/' } = opts;
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const r: LoadResult = { ok: 0, failed: 0, retried: 0, bodies: new Map(), failures: new Map(), outageMs: 0, windows: 0, elapsedMs: 0, failTimes: [] };
  const done: Done[] = [];
  const t0 = performance.now();
  const deadline = t0 + maxMs;
  let stopped = false;
  const fail = (start: number, why: string): void => {
    r.failed++;
    r.failTimes.push(performance.now());
    done.push({ start, end: performance.now(), ok: false });
    r.failures.set(why, (r.failures.get(why) ?? 0) + 1);
  };
  const once = (retry: boolean, start = performance.now()): Promise<void> =>
    new Promise<void>((resolve) => {
      const req = request({ host: '127.0.0.1', port, path, agent, headers: { host }, timeout: 5000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('error', (e) => (fail(start, `response aborted: ${e.message}`), resolve()));
        res.on('end', () => {
          if (res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300) {
            r.ok++;
            done.push({ start, end: performance.now(), ok: true });
            r.bodies.set(body.trim(), (r.bodies.get(body.trim()) ?? 0) + 1);
          } else fail(start, `HTTP ${res.statusCode}`);
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout after 5 s')));
      req.on('error', (e) => {
        if (retry && req.reusedSocket && /ECONNRESET|socket hang up/.test(e.message)) {
          r.retried++;
          resolve(once(false, start));
          return;
        }
        fail(start, `${e.message} (${req.reusedSocket ? 'reused connection' : 'new connection'}${retry ? '' : ', after a retry'})`);
        resolve();
      });
      req.end();
    });
  const client = async (): Promise<void> => {
    while (!stopped && performance.now() < deadline && r.ok + r.failed < maxRequests) await once(true);
  };
  const running = Promise.all(Array.from({ length: clients }, client));
  return {
    result: r,
    /** Successful requests so far. */
    okCount: () => r.ok,
    stop: async (): Promise<LoadResult> => {
      stopped = true;
      await running;
      agent.destroy();
      r.elapsedMs = performance.now() - t0;
      Object.assign(r, outage(done));
      return r;
    },
  };
}

/** Outage windows: runs of failed requests (in order of completion) with no success between them, from the first one's start to the last one's end. */
function outage(done: Done[]): { outageMs: number; windows: number } {
  const sorted = [...done].sort((a, b) => a.end - b.end);
  let total = 0;
  let windows = 0;
  let open: { start: number; end: number } | undefined;
  for (const d of sorted) {
    if (!d.ok) {
      if (open) open.end = d.end;
      else open = { start: d.start, end: d.end };
      continue;
    }
    if (open) (total += open.end - open.start), windows++, (open = undefined);
  }
  if (open) (total += open.end - open.start), windows++;
  return { outageMs: total, windows };
}

/** One GET: status and body, or status 0 and the error. */
export function get(host: string, port: number, path: string, hostHeader?: string, timeoutMs = 2000): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request({ host, port, path, agent: false, headers: hostHeader ? { host: hostHeader } : {}, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', (e) => resolve({ status: 0, body: e.message }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, body: e.message }));
    req.end();
  });
}

/** Polls (every pollMs, at most timeoutMs) until a GET answers 2xx; resolves with the ms it took. */
export async function waitHealthy(host: string, port: number, path: string, timeoutMs = 30_000, pollMs = 10): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const r = await get(host, port, path, undefined, 1000);
    if (r.status >= 200 && r.status < 300) return performance.now() - t0;
    if (performance.now() - t0 > timeoutMs) throw new Error(`${host}:${port}${path} not healthy after ${timeoutMs} ms: ${r.status} ${r.body.slice(0, 100)}`);
    await new Promise((res) => setTimeout(res, pollMs));
  }
}
