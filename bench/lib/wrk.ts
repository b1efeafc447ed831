// wrk (Debian's package) as the load generator of edge-cost: requests per
// second and latency percentiles, bounded by its duration and a process timeout.
import { cmd } from './run.js';

export interface WrkResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  /** Non-2xx/3xx answers plus socket errors: a proxy that fails requests must not look fast. */
  errors: number;
}

function ms(v: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(v.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000;
}

export async function hasWrk(): Promise<boolean> {
  return (await cmd('which', ['wrk'])).code === 0;
}

/** `wrk -tT -cC -dDs --latency` against http://127.0.0.1:port/path with a Host header. */
export async function wrk(url: string, host: string, o: { threads: number; connections: number; seconds: number }): Promise<WrkResult> {
  const args = [`-t${o.threads}`, `-c${o.connections}`, `-d${o.seconds}s`, '--timeout', '5s', '--latency', '-H', `Host: ${host}`, url];
  const r = await cmd('wrk', args, { timeoutMs: (o.seconds + 20) * 1000 });
  if (r.code !== 0) throw new Error(`wrk ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
  const out = r.stdout;
  const pct = (p: string): number => ms(new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(out)?.[1] ?? '');
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const sockErrors = sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN),
    p50: pct('50'),
    p99: pct('99'),
    requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN),
    errors: non2xx + sockErrors,
  };
}
