// The health gate: every new container must answer its health path with a 2xx
// before traffic moves. A container that exits fails at once (no point waiting
// for the deadline), and the failure carries each container's last answers.
import { request } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { request as httpsRequest } from 'node:https';
import { UserError } from '../errors.js';
import { formatMs } from '../build/format.js';

export interface HealthTarget {
  name: string;
  host: string;
  port: number;
  /** The Host header, when probing through the edge. */
  hostHeader?: string;
  headers?: Record<string, string>;
  /** Probe over TLS with this SNI name (through the edge once it serves HTTPS); the certificate is not what is checked. */
  tlsServername?: string;
}

export interface HealthSettings {
  path: string;
  intervalMs: number;
  timeoutMs: number;
  deadlineMs: number;
}

/** One probe's answer, as shown to the user when the gate fails. */
export type ProbeResult = { ok: true; status: number; /** the edge's X-Calma-Upstream: which replica answered */ upstream?: string } | { ok: false; answer: string };

export interface HealthDeps {
  probe(target: HealthTarget, path: string, timeoutMs: number): Promise<ProbeResult>;
  /** undefined while running, else why it is not (e.g. "exited with code 1"). */
  stopped(target: HealthTarget): Promise<string | undefined>;
  sleep(ms: number): Promise<void>;
  now(): number;
}

/**
 * How soon a container that refused the connection (nothing listens on its port yet) is
 * asked again, when that is sooner than the interval. A refused connection costs the app
 * nothing, and a server that starts listening 300 ms after its container started is then
 * seen healthy at about 300 ms, not a whole interval (1 s by default) later. Any other
 * answer (an error status, a timeout) waits the interval, as does asking the engine
 * whether the container still runs.
 */
export const REFUSED_RETRY_MS = 25;

export async function waitHealthy(targets: readonly HealthTarget[], s: HealthSettings, deps: HealthDeps): Promise<void> {
  const started = deps.now();
  const pending = new Map(targets.map((t) => [t.name, t]));
  const last = new Map<string, string>();
  /** When each container was last asked of the engine. */
  const checked = new Map<string, number>();
  for (;;) {
    let onlyRefused = true;
    for (const t of [...pending.values()]) {
      const at = checked.get(t.name);
      if (at === undefined || deps.now() - at >= s.intervalMs) {
        checked.set(t.name, deps.now());
        const down = await deps.stopped(t);
        if (down !== undefined) throw new UserError(`container ${t.name} ${down} before it became healthy`, answers(last));
      }
      const r = await deps.probe(t, s.path, s.timeoutMs);
      if (r.ok) pending.delete(t.name);
      else {
        last.set(t.name, r.answer);
        if (r.answer !== 'ECONNREFUSED') onlyRefused = false;
      }
    }
    if (pending.size === 0) return;
    if (deps.now() - started >= s.deadlineMs) {
      throw new UserError(`${[...pending.keys()].join(', ')} not healthy within ${formatMs(s.deadlineMs)} (web.healthcheck.deadline)`, answers(last));
    }
    await deps.sleep(onlyRefused ? Math.min(s.intervalMs, REFUSED_RETRY_MS) : s.intervalMs);
  }
}

function answers(last: Map<string, string>): string[] {
  return [...last].map(([name, a]) => `  ${name}: last answer: ${a}`);
}

/**
 * A probe given a few chances, for a container that was serving and is only being
 * checked again (the daemon's start-up): one lost answer must not take a healthy
 * release out of the edge until its next deployment. With a thousand containers, a
 * start-up probe once met EHOSTUNREACH (the host's neighbour entry for the address
 * had failed) and the next start-up's probe was answered; `beforeRetry` is where the
 * caller clears such state. Returns the first 2xx, else the last answer.
 */
export async function probeSettled(
  probe: () => Promise<ProbeResult>,
  o: { attempts: number; pauseMs: number; beforeRetry?: () => Promise<unknown>; sleep?: (ms: number) => Promise<void> },
): Promise<ProbeResult> {
  const sleep = o.sleep ?? ((ms: number) => delay(ms));
  let result = await probe();
  for (let attempt = 1; !result.ok && attempt < o.attempts; attempt++) {
    await o.beforeRetry?.();
    await sleep(o.pauseMs);
    result = await probe();
  }
  return result;
}

/** A real HTTP probe: 2xx is healthy; anything else, a timeout or a refused connection is the answer shown. */
export function httpProbe(target: HealthTarget, path: string, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const send = target.tlsServername ? httpsRequest : request;
    const tls = target.tlsServername ? { servername: target.tlsServername, rejectUnauthorized: false } : {};
    const req = send({ ...tls, host: target.host, port: target.port, path, method: 'GET', timeout: timeoutMs, headers: { 'user-agent': 'calma-health', ...target.headers, ...(target.hostHeader ? { host: target.hostHeader } : {}) } }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      const upstream = res.headers['x-calma-upstream'];
      if (status >= 200 && status < 300) resolve(typeof upstream === 'string' ? { ok: true, status, upstream } : { ok: true, status });
      else resolve({ ok: false, answer: `HTTP ${status}` });
    });
    req.on('timeout', () => {
      req.destroy();
      resolve({ ok: false, answer: `no answer within ${formatMs(timeoutMs)}` });
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ ok: false, answer: e.code ?? e.message }));
    req.end();
  });
}
