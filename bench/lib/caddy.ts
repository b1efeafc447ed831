// Debian's Caddy as a plain reverse proxy on loopback: no admin API, no
// automatic HTTPS, its state in a temporary directory, stopped by its PID.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { get } from './load.js';
import { cmd, onCleanup, sleep, stopPid, tempDir } from './run.js';

export async function caddyVersion(): Promise<string | undefined> {
  const r = await cmd('caddy', ['version'], { timeoutMs: 10_000 });
  return r.code === 0 ? r.stdout.trim().split(' ')[0] : undefined;
}

/** Starts `caddy run` proxying 127.0.0.1:port to upstream (host:port); resolves once it answers. */
export async function startCaddy(port: number, upstream: string): Promise<void> {
  const dir = tempDir('calma-bench-caddy-');
  const file = join(dir, 'Caddyfile');
  writeFileSync(file, `{
\tadmin off
\tauto_https off
}
:${port} {
\tbind 127.0.0.1
\treverse_proxy ${upstream}
}
`);
  const env = { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir };
  const child = spawn('caddy', ['run', '--config', file, '--adapter', 'caddyfile'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let logs = '';
  child.stderr.on('data', (d: Buffer) => (logs = (logs + d.toString()).slice(-5000)));
  onCleanup('caddy', () => stopPid(child.pid));
  for (const end = Date.now() + 10_000; ; await sleep(100)) {
    if ((await get('127.0.0.1', port, '/', 'x')).status === 200) return;
    if (child.exitCode !== null || Date.now() > end) throw new Error(`caddy did not start:\n${logs}`);
  }
}
