// Whether the edge still has requests in flight to some replicas, read from
// the kernel's view of nginx's upstream connections (`ss -ti`): after a switch
// nothing new is sent to the old slot, but requests already there must finish
// before it stops. nginx itself does not say which upstream a request is on.
import { execFile } from 'node:child_process';
import { hostPort, type Upstream } from './routes.js';

export interface ConnectionTiming {
  /** Milliseconds since nginx last sent data on it (a request) and last received data (a response). */
  lastSentMs: number;
  lastReceivedMs: number;
  /** Bytes of data received on it: none yet means its first request is still unanswered. */
  bytesReceived: number;
}

/** The timings in `ss -tinH` output; ss leaves out a counter that is 0, which means "just now". */
export function parseSsTimings(output: string): ConnectionTiming[] {
  const out: ConnectionTiming[] = [];
  for (const line of output.split('\n')) {
    if (!/^\s/.test(line) || !/\bcwnd:/.test(line)) continue; // info lines are indented and carry cwnd (a SYN-SENT one has no rtt yet)
    const field = (name: string): number => Number(new RegExp(`\\b${name}:(\\d+)`).exec(line)?.[1] ?? 0);
    out.push({ lastSentMs: field('lastsnd'), lastReceivedMs: field('lastrcv'), bytesReceived: field('bytes_received') });
  }
  return out;
}

/**
 * A connection is busy while its first request has no answer yet (nothing received; on a
 * fresh connection both clocks start at the handshake, so they cannot tell), while a request
 * was sent after the last response bytes came (the upstream is still working on it), or while
 * data moved in the last `quietMs` (a response still streaming). An idle keep-alive
 * connection is none of these.
 */
export function isBusy(c: ConnectionTiming, quietMs: number): boolean {
  return c.bytesReceived === 0 || c.lastSentMs < c.lastReceivedMs || Math.min(c.lastSentMs, c.lastReceivedMs) < quietMs;
}

function ss(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ss', args, { timeout: 5000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });
}

/** How many of this host's connections to these upstreams are busy; undefined when `ss` cannot tell. */
export async function busyConnections(upstreams: readonly Upstream[], quietMs: number): Promise<number | undefined> {
  let busy = 0;
  for (const u of upstreams) {
    try {
      // syn-sent too: a request whose connection is still being opened (a busy app's full
      // accept queue drops SYNs for a second) is in flight as much as one being answered.
      const output = await ss(['-tinH', 'state', 'established', 'state', 'syn-sent', 'dst', hostPort(u.host, u.port)]);
      busy += parseSsTimings(output).filter((c) => isBusy(c, quietMs)).length;
    } catch {
      return undefined;
    }
  }
  return busy;
}
