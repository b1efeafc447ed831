// `calma server` as a user runs it: a child process under its own CALMA_HOME,
// stopped by its PID. CALMA_TEST_ENTRY may point at another build of the CLI.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './app-dir.js';
import { calma, type CliResult } from './cli.js';
import { freePort } from './server-helpers.js';

export const cliEntry = process.env.CALMA_TEST_ENTRY ?? join(repoRoot, 'dist', 'src', 'cli', 'main.js');

/** The shared runner, with the environment given directly. */
export function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return calma(args, { env });
}

export interface RunningServer {
  child: ChildProcess;
  logs(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `calma server ARGS` and waits until `calma server status` answers. */
export async function startCliServer(args: string[], env: NodeJS.ProcessEnv): Promise<RunningServer> {
  const child = spawn(process.execPath, [cliEntry, 'server', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let logs = '';
  child.stderr!.on('data', (d: Buffer) => (logs += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const deadline = Date.now() + 10_000;
  while ((await runCli(['server', 'status'], env)).code !== 0) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`calma server did not start: ${logs}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    logs: () => logs,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** A daemon for app tests: its edge on free loopback ports, app containers' DNS on loopback. */
export async function startAppDaemon(env: NodeJS.ProcessEnv, extra: string[] = []): Promise<{ server: RunningServer; httpPort: number }> {
  const httpPort = await freePort();
  const server = await startCliServer(['--http-port', String(httpPort), '--https-port', String(await freePort()), '--edge-address', '127.0.0.1', '--app-dns', '127.0.0.1', ...extra], env);
  return { server, httpPort };
}
