// Shared plumbing of the bench scripts: bounded child processes, a cleanup
// stack that runs on success, failure and Ctrl-C, free ports, small stats.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface CmdResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (killed after timeoutMs); never throws for a non-zero exit. */
export function cmd(file: string, args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CmdResult> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 << 20, env: { ...process.env, ...opts.env }, cwd: opts.cwd }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) + (err && typeof err.code !== 'number' ? `\n${err.message}` : '') });
    });
  });
}

/** Like cmd, but a non-zero exit is an error carrying the output. */
export async function must(file: string, args: string[], opts: Parameters<typeof cmd>[2] = {}): Promise<string> {
  const r = await cmd(file, args, opts);
  if (r.code !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.code}: ${(r.stderr || r.stdout).trim().slice(-2000)}`);
  return r.stdout;
}

const cleanups: { what: string; fn: () => unknown }[] = [];

/** Registers an undo step; they run last-in first-out when the script ends, however it ends. */
export function onCleanup(what: string, fn: () => unknown): void {
  cleanups.push({ what, fn });
}

async function runCleanups(): Promise<void> {
  while (cleanups.length > 0) {
    const c = cleanups.pop()!;
    try {
      await c.fn();
    } catch (e) {
      process.stderr.write(`cleanup (${c.what}) failed: ${(e as Error).message}\n`);
    }
  }
}

/** The entry point of every script: main, then cleanups; exit 1 on an error, 130 on a signal. */
export function runMain(name: string, main: () => Promise<void>, limitMs = 600_000): void {
  let ending = false;
  const end = async (code: number): Promise<void> => {
    if (ending) return;
    ending = true;
    await runCleanups();
    process.exit(code);
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void end(130));
  const limit = setTimeout(() => {
    process.stderr.write(`${name}: over its time limit of ${limitMs / 1000} s, stopping\n`);
    void end(1);
  }, limitMs);
  main().then(
    () => (clearTimeout(limit), end(0)),
    (e: unknown) => {
      clearTimeout(limit);
      process.stderr.write(`${name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      void end(1);
    },
  );
}

/** A temporary directory, removed at the end. Short, for unix socket paths. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onCleanup(`rm ${dir}`, () => (process.env.BENCH_KEEP ? undefined : rmSync(dir, { recursive: true, force: true })));
  return dir;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Sends SIGTERM to a pid we started, then SIGKILL if it is still there after ms. */
export async function stopPid(pid: number | undefined, ms = 5000): Promise<void> {
  if (!pid || pid <= 0) return;
  const alive = (): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  process.kill(pid, 'SIGTERM');
  for (const end = Date.now() + ms; alive() && Date.now() < end; ) await sleep(50);
  if (alive()) process.kill(pid, 'SIGKILL');
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
export const runId = (): string => Math.random().toString(36).slice(2, 7).replace(/^[0-9]/, 'x');

/** Prints aligned rows: the summary every script ends with. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}
