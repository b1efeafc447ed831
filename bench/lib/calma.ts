// calma as a user runs it: `calma server` under a private CALMA_HOME on free
// loopback ports, and `calma deploy DIR`, each a child process of the bench.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Engine } from './empty-engine.js';
import { cmd, freePort, must, onCleanup, sleep, stopPid, tempDir } from './run.js';

/** The CLI of the same build as this file (dist/ or any other outDir). */
export const cliEntry = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** The pid file of the edge's nginx master under a calma home. */
export const edgePidFile = (home: string): string => join(home, 'edge', 'nginx.pid');

export interface Daemon {
  home: string;
  pid: number;
  httpPort: number;
  httpsPort: number;
  env: NodeJS.ProcessEnv;
  logs(): string;
  /** From its spawn to its "daemon started" log line, written once its start-up reconcile is done and its API listens. */
  startedInMs: number;
  /** SIGTERM, as an operator stops it; its nginx keeps serving and a daemon started `again` takes it over. */
  stop(): Promise<void>;
  /** The engine it uses when not the machine's own (see startDaemon). */
  engine?: Engine;
}

/**
 * Starts the daemon (with `again`: on the home and ports of that stopped one; else on the given
 * ports or free ones) with any extra `calma server` args, and waits (at most timeoutMs) until
 * `calma server status` answers. With `engine`, it runs in that engine's network namespace, with
 * its edge, and uses that engine; its CLI still reaches it through its home's socket.
 */
export async function startDaemon(o: { again?: Daemon; timeoutMs?: number; httpPort?: number; httpsPort?: number; args?: string[]; engine?: Engine } = {}): Promise<Daemon> {
  const home = o.again?.home ?? tempDir('cb-');
  const httpPort = o.again?.httpPort ?? o.httpPort ?? (await freePort());
  const httpsPort = o.again?.httpsPort ?? o.httpsPort ?? (await freePort());
  const engine = o.again?.engine ?? o.engine;
  const env: NodeJS.ProcessEnv = { CALMA_HOME: home, ...engine?.env };
  const args = [cliEntry, 'server', '--http-port', String(httpPort), '--https-port', String(httpsPort), '--edge-address', '127.0.0.1', '--app-dns', '127.0.0.1', ...(o.args ?? [])];
  const t0 = performance.now();
  // nsenter execs node once it has entered: the pid is the daemon's.
  const [file, argv] = engine ? ['nsenter', [`--net=${engine.netns}`, process.execPath, ...args]] : [process.execPath, args];
  const child: ChildProcess = spawn(file, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let logs = '';
  let startedInMs: number | undefined;
  child.stderr!.on('data', (d: Buffer) => {
    logs = (logs + d.toString()).slice(-20_000);
    if (startedInMs === undefined && logs.includes('"msg":"daemon started"')) startedInMs = performance.now() - t0;
    // BENCH_KEEP=1 keeps the daemon's home (see tempDir) with its whole log, to look into a run.
    if (process.env.BENCH_KEEP) appendFileSync(join(home, 'daemon.log'), d);
  });
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  // Registered after tempDir's removal, so it runs before it: daemon first, then the nginx it left serving (once, by the first start).
  onCleanup('calma daemon and its edge', async () => {
    if (running()) await stopPid(child.pid, 10_000);
    if (o.again) return;
    const nginxPid = Number(readFileOr(edgePidFile(home)).trim());
    await stopPid(nginxPid > 0 ? nginxPid : undefined);
  });
  for (const deadline = Date.now() + (o.timeoutMs ?? 15_000); ; await sleep(100)) {
    if ((await cmd(process.execPath, [cliEntry, 'server', 'status'], { env })).code === 0) break;
    if (!running() || Date.now() > deadline) throw new Error(`calma server did not start:\n${logs}`);
  }
  startedInMs ??= performance.now() - t0; // its log level hides the line: when it first answered
  const stop = async (): Promise<void> => (running() ? stopPid(child.pid, 10_000) : undefined);
  return { home, pid: child.pid!, httpPort, httpsPort, env, logs: () => logs, startedInMs, stop, ...(engine ? { engine } : {}) };
}

function readFileOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

export interface DeployRun {
  ms: number;
  code: number;
  image: string;
  /** Each output line with the milliseconds since the command started. */
  lines: { at: number; text: string }[];
  output: string;
}

/** `calma deploy DIR` with every output line timestamped; bounded to timeoutMs. */
export function deploy(d: Daemon, dir: string, timeoutMs = 180_000): Promise<DeployRun> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [cliEntry, 'deploy', dir], { env: { ...process.env, ...d.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: DeployRun['lines'] = [];
    let output = '';
    let partial = '';
    const take = (s: Buffer): void => {
      const at = performance.now() - t0;
      output += s.toString();
      const parts = (partial + s.toString()).split('\n');
      partial = parts.pop()!;
      for (const text of parts) lines.push({ at, text });
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const ms = performance.now() - t0;
      if (partial) lines.push({ at: ms, text: partial });
      const image = /^deployed (\S+) /m.exec(output)?.[1] ?? '';
      resolve({ ms, code: code ?? 1, image, lines, output });
    });
  });
}

/** Throws with the command's output unless the deployment succeeded. */
export async function mustDeploy(d: Daemon, dir: string): Promise<DeployRun> {
  const r = await deploy(d, dir);
  if (r.code !== 0 || !r.image) throw new Error(`calma deploy ${dir} exited ${r.code}:\n${r.output.slice(-3000)}\n-- daemon log --\n${d.logs().slice(-3000)}`);
  return r;
}

/** When (ms after the start) the first line matching re appeared. */
export function lineAt(r: DeployRun, re: RegExp): number | undefined {
  return r.lines.find((l) => re.test(l.text))?.at;
}

/** The resident and peak memory of a process, in MiB, from /proc. */
export function memoryMiB(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

/** The CPU time (user + system) a process has used so far, in seconds, from /proc (clock ticks of 1/100 s). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The CPU seconds of a process and its direct children (an nginx master and its workers); 0 if it is gone. */
export function treeCpuSeconds(pid: number): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (Number(entry) === pid || ppid === pid) total += cpuSeconds(Number(entry));
    } catch {
      // the process ended between the listing and the read
    }
  }
  return total;
}

/** `calma ARGS` against the daemon: its stdout; a non-zero exit is an error carrying its output. */
export function calmaCli(d: Daemon, args: string[]): Promise<string> {
  return must(process.execPath, [cliEntry, ...args], { env: d.env });
}
