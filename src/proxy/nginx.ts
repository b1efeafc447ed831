// Running the managed nginx: test, start, reload, stop. Always an argv array
// (never a shell) and always the private prefix's `-p -c -e`, so the system
// nginx and its config are never read or signalled.

import { execFile } from 'node:child_process';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { UnavailableError, UserError } from '../errors.js';
import { ensureLayout, readIfExists, writeFileAtomic, writeRequestIdConfig } from './files.js';
import { loweredWhileLoading } from './load-priority.js';
import { edgePaths, nginxBaseArgs } from './paths.js';
import { renderMainConfig } from './render.js';
import { validateSettings, type EdgeSettings } from './routes.js';

export const NGINX_BINARY = process.env.CALMA_NGINX ?? '/usr/sbin/nginx';

interface RunResult {
  code: number;
  output: string;
}

function runNginx(args: string[], timeoutMs = 15_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(NGINX_BINARY, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: unknown }) | null;
      if (e && typeof e.code === 'string') {
        reject(new UnavailableError(`cannot run ${NGINX_BINARY}: ${e.message}`));
        return;
      }
      const code = e ? (typeof e.code === 'number' ? e.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}`.trim() });
    });
  });
}

/** nginx's complaint without the noise ("test failed" and the "syntax is ok" lines). */
function nginxProblem(output: string): string[] {
  const lines = output.split('\n').filter((l) => /\[(emerg|alert|crit|error)\]/.test(l));
  return lines.length > 0 ? lines : output.split('\n').filter((l) => l.trim() !== '');
}

async function runOrThrow(settings: EdgeSettings, extra: string[], what: string, conf?: string): Promise<void> {
  const r = await runNginx([...nginxBaseArgs(settings, conf), ...extra]);
  if (r.code === 0) return;
  const problem = nginxProblem(r.output);
  throw new UserError(`${what}: ${problem[0] ?? `nginx exited with ${r.code}`}`, problem.slice(1));
}

/** `nginx -t`: throws a UserError carrying nginx's message when the config is refused. */
export async function nginxTest(settings: EdgeSettings): Promise<void> {
  await runOrThrow(settings, ['-t', '-q'], 'the edge configuration was refused');
}

/**
 * `nginx -t` of one environment's file under the same main configuration, alone:
 * the files share nothing (each has its own upstream names and server names), so
 * what passes here passes in the whole; and with a thousand apps the check
 * still reads one file, not a thousand.
 */
export async function nginxTestEnvFile(settings: EdgeSettings, file: string): Promise<void> {
  const { checkConf } = edgePaths(settings);
  writeFileAtomic(checkConf, renderMainConfig(settings, file));
  await runOrThrow(settings, ['-t', '-q'], 'the edge configuration was refused', checkConf);
}

/** The master's PID from the pid file, when that process is alive and is an nginx master. */
export function runningMasterPid(settings: EdgeSettings): number | null {
  const text = readIfExists(edgePaths(settings).pid);
  const pid = text === null ? NaN : Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 1 && isMasterAlive(pid) ? pid : null;
}

/**
 * Alive and an nginx master: a stale pid file whose number was reused by another
 * program is not our nginx, and a zombie (exited, not yet reaped by its adopter)
 * has an empty command line.
 */
function isMasterAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const cmdline = readIfExists(`/proc/${pid}/cmdline`);
  return cmdline === null || cmdline.startsWith('nginx: master process');
}

export function isNginxRunning(settings: EdgeSettings): boolean {
  return runningMasterPid(settings) !== null;
}

/** The master's worker processes (Linux: /proc/PID/task/PID/children). */
export function workerPids(masterPid: number): number[] {
  const text = readIfExists(`/proc/${masterPid}/task/${masterPid}/children`) ?? '';
  return text.split(/\s+/).filter((s) => s !== '').map(Number);
}

/**
 * The workers that serve: after a reload the old ones linger while they finish their requests
 * ("shutting down"), so comparing all children would see a reload end rather than start.
 */
export function servingWorkerPids(masterPid: number): number[] {
  return workerPids(masterPid).filter((p) => !isShuttingDown(p));
}

async function waitUntil(check: () => boolean, timeoutMs: number, stepMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (check()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** The first [emerg] line nginx logged after byte `from` of its error log (from 0 again when the log was rotated). */
function emergencySince(settings: EdgeSettings, from: number): string | undefined {
  const file = edgePaths(settings).errorLog;
  const size = sizeOf(file);
  const start = size >= from ? from : 0;
  if (size <= start) return undefined;
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const buf = Buffer.alloc(Math.min(size - start, 64 * 1024));
    const n = readSync(fd, buf, 0, buf.length, start);
    const line = buf.subarray(0, n).toString('utf8').split('\n').find((l) => l.includes('[emerg]'));
    // Told as `nginx -t` tells it: without the log's date, time and process ids.
    return line?.replace(/^.*?\[emerg\] (\d+#\d+: )?/, 'nginx: [emerg] ');
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function errorLogTail(settings: EdgeSettings, lines = 5): string[] {
  const text = readIfExists(edgePaths(settings).errorLog) ?? '';
  return text.trimEnd().split('\n').slice(-lines);
}

/** Creates the layout and nginx.conf if missing, tests, starts nginx (it daemonizes) and waits for its pid file. */
export async function startNginx(settings: EdgeSettings, timeoutMs = 10_000): Promise<number> {
  validateSettings(settings);
  const running = runningMasterPid(settings);
  if (running !== null) return running;
  ensureLayout(settings);
  const paths = edgePaths(settings);
  if (readIfExists(paths.conf) === null) writeFileAtomic(paths.conf, renderMainConfig(settings));
  writeRequestIdConfig(settings); // a new master counts connections from 1 again
  await nginxTest(settings);
  await runOrThrow(settings, [], 'the edge (nginx) did not start');
  await waitUntil(() => runningMasterPid(settings) !== null, timeoutMs);
  const pid = runningMasterPid(settings);
  if (pid === null) throw new UnavailableError('the edge (nginx) did not start in time', errorLogTail(settings));
  return pid;
}

/** An old worker renames itself right before it closes its listening sockets. */
function isShuttingDown(pid: number): boolean {
  const cmdline = readIfExists(`/proc/${pid}/cmdline`);
  return cmdline === null || cmdline === '' || cmdline.includes('shutting down');
}

/**
 * `nginx -s reload`, then waits until the master has started workers with the new
 * configuration and every old worker has stopped accepting: from then on each new
 * connection gets the new routes (old workers finish what they serve, then exit).
 * The caller can thus stop an old upstream right after. A master that refused the
 * new config (e.g. a port already taken) starts no new worker, and that is reported.
 */
export async function nginxReload(settings: EdgeSettings, timeoutMs = 10_000): Promise<void> {
  const master = runningMasterPid(settings);
  if (master === null) throw new UnavailableError('the edge (nginx) is not running');
  const before = new Set(workerPids(master));
  const logged = sizeOf(edgePaths(settings).errorLog);
  const restorePriority = loweredWhileLoading(master, () => workerPids(master));
  let refused: string | undefined;
  let renewed: boolean;
  try {
    // The signal itself, to the master we know: `nginx -s reload` would first read the whole configuration just to find it.
    process.kill(master, 'SIGHUP');
    renewed = await waitUntil(() => {
      // A configuration the master cannot load leaves the old workers serving and says why in the error log.
      refused = emergencySince(settings, logged);
      if (refused !== undefined) return true;
      const now = workerPids(master);
      return now.some((p) => !before.has(p)) && now.every((p) => !before.has(p) || isShuttingDown(p));
    }, timeoutMs);
  } finally {
    restorePriority();
  }
  if (refused !== undefined) throw new UserError(`the edge (nginx) refused the new configuration: ${refused}`);
  if (!renewed) throw new UserError('the edge (nginx) did not take the new configuration', errorLogTail(settings));
}

/** `nginx -s quit`: graceful (in-flight requests finish, bounded by worker_shutdown_timeout); waits until the master is gone. */
export async function stopNginx(settings: EdgeSettings, timeoutMs = 20_000): Promise<void> {
  const master = runningMasterPid(settings);
  if (master === null) return;
  await runOrThrow(settings, ['-s', 'quit'], 'the edge (nginx) did not stop');
  const gone = await waitUntil(() => !isMasterAlive(master), timeoutMs, 50);
  if (!gone) throw new UnavailableError(`the edge (nginx, pid ${master}) did not stop in time`);
}
