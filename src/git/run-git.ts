// git is the real program, spawned with argv arrays (never a shell). Every
// ref or name passed here was validated by the caller; `--` and full refs keep
// git from reading one as an option.
import { execFile, spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UserError } from '../errors.js';

export interface GitOptions {
  /** Extra environment (e.g. GIT_CONFIG_* for credentials: never argv, which `ps` shows). */
  env?: Record<string, string>;
  timeoutMs?: number;
}

const base = (extra?: Record<string, string>): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: process.env.HOME ?? '/',
  // Never ask on a terminal for a password: fail instead.
  GIT_TERMINAL_PROMPT: '0',
  ...extra,
});

export function git(args: string[], opts: GitOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { env: base(opts.env), timeout: opts.timeoutMs ?? 120_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const last = String(stderr).trim().split('\n').filter(Boolean).pop() ?? err.message;
        return reject(new UserError(`git ${args.find((a) => !a.startsWith('-')) ?? ''}: ${last}`));
      }
      resolve(String(stdout));
    });
  });
}

/** Runs git and pipes its stdout into `into` (e.g. `git archive` into a tar extractor). */
export async function gitPipe(args: string[], into: Writable, opts: GitOptions = {}): Promise<void> {
  const child = spawn('git', args, { env: base(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()).length > 8192 && (stderr = stderr.slice(-4096)));
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  await pipeline(child.stdout, into);
  const code = await exited;
  if (code !== 0) throw new UserError(`git ${args[2] ?? ''}: ${stderr.trim().split('\n').pop() ?? `exit ${code}`}`);
}

/** Credentials for an HTTP remote as git config in the environment: `Authorization: Basic` with the token as password. */
export function tokenEnv(token: string | undefined): Record<string, string> {
  if (!token) return {};
  const basic = Buffer.from(`calma:${token}`).toString('base64');
  return { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}` };
}
