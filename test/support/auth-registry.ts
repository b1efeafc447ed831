// A registry that demands a password: Debian's docker-registry with htpasswd
// auth on a free loopback port, started by the test and stopped by its PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { freePort } from './server-helpers.js';

export { freePort };

export interface AuthRegistry {
  server: string;
  stop(): Promise<void>;
}

export async function startAuthRegistry(username: string, password: string): Promise<AuthRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'calma-authreg-'));
  const port = await freePort();
  writeFileSync(join(dir, 'htpasswd'), `${username}:${bcrypt.hashSync(password, 8)}\n`);
  writeFileSync(
    join(dir, 'config.yml'),
    `version: 0.1\nlog: {level: error}\nstorage: {filesystem: {rootdirectory: ${dir}/data}}\nhttp: {addr: 127.0.0.1:${port}}\nauth: {htpasswd: {realm: calma-test, path: ${dir}/htpasswd}}\n`,
  );
  const child: ChildProcess = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const up = await fetch(`http://127.0.0.1:${port}/v2/`).then(() => true, () => false);
    if (up) break;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('the test registry did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    server: `127.0.0.1:${port}`,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
