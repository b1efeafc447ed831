// Runs the real calma executable, as a user would, and captures what it says.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './app-dir.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `input`, when given, is written to calma's stdin. */
export function calma(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'dist', 'src', 'cli', 'main.js'), ...args], {
      cwd: opts.cwd ?? repoRoot,
      env: { ...process.env, ...opts.env },
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** calma with --json, parsed; fails the test with calma's stderr when it did not succeed. */
export async function calmaJson<T>(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<T> {
  const r = await calma(['--json', ...args], opts);
  if (r.code !== 0) throw new Error(`calma ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
