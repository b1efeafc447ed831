// `calma server` through the real executable: run, status, tokens, SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, tempHome } from '../support/server-helpers.js';
import { runCli, startCliServer } from '../support/server-cli.js';

test('calma server --help and its subcommands document every flag', async () => {
  const env = {};
  const help = await runCli(['server', '--help'], env);
  assert.equal(help.code, 0);
  for (const word of ['--listen <host:port>', '--http-port', '--https-port', 'status', 'token', 'SIGTERM', 'Exit codes', '--json']) assert.ok(help.stdout.includes(word), `server help mentions ${word}`);
  const create = await runCli(['server', 'token', 'create', '--help'], env);
  assert.ok(create.stdout.includes('--name <name>') && create.stdout.includes('print it once'));
  assert.ok(!create.stdout.includes('--listen'), 'the daemon flags are not offered to token commands');
});

test('calma server status says one clear line when no daemon runs', async () => {
  const { home, cleanup } = tempHome();
  try {
    const r = await runCli(['server', 'status'], { CALMA_HOME: home });
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `error: cannot reach the calma daemon at ${join(home, 'calma.sock')}: is \`calma server\` running?\n`);
  } finally {
    cleanup();
  }
});

test('calma server runs, serves tokens over TCP, refuses a second copy and stops on SIGTERM', async () => {
  const { home, cleanup } = tempHome();
  const env = { CALMA_HOME: home };
  const port = await freePort();
  const server = await startCliServer(['--listen', `127.0.0.1:${port}`, '--http-port', String(await freePort()), '--https-port', String(await freePort()), '--edge-address', '127.0.0.1'], env);
  try {
    const socket = join(home, 'calma.sock');
    assert.equal(statSync(socket).mode & 0o777, 0o600);
    const status = await runCli(['--json', 'server', 'status'], env);
    assert.equal(status.code, 0, status.stderr);
    assert.equal((JSON.parse(status.stdout) as { ok: boolean }).ok, true);

    const second = await runCli(['server'], env);
    assert.equal(second.code, 1);
    assert.equal(second.stderr, `error: another calma daemon is already running on ${socket}\n`);

    const created = await runCli(['--json', 'server', 'token', 'create', '--name', 'laptop'], env);
    assert.equal(created.code, 0, created.stderr);
    const { id, token } = JSON.parse(created.stdout) as { id: string; token: string };
    const url = `http://127.0.0.1:${port}`;
    assert.equal((await fetch(`${url}/v1/whoami`)).status, 401);
    const remote = await runCli(['server', 'status'], { ...env, CALMA_URL: url, CALMA_TOKEN: token });
    assert.equal(remote.stdout, `calma daemon ${(JSON.parse(status.stdout) as { version: string }).version} is running at ${url}\n`);
    const who = await fetch(`${url}/v1/whoami`, { headers: { authorization: `Bearer ${token}` } });
    assert.deepEqual(await who.json(), { via: 'token', scope: 'admin', app: null });

    const list = await runCli(['server', 'token', 'list'], env);
    assert.match(list.stdout, new RegExp(`^${id}\\s+laptop\\s+admin\\s+\\(all\\)\\s+\\S+\\s+never\\s+20`, 'm'), 'listed with a last-used time');
    assert.ok(!list.stdout.includes(token));
    assert.equal((await runCli(['server', 'token', 'revoke', id], env)).stdout, `revoked token ${id}\n`);
    assert.equal((await fetch(`${url}/v1/whoami`, { headers: { authorization: `Bearer ${token}` } })).status, 401);
    const again = await runCli(['server', 'token', 'revoke', id], env);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^error: no token with id/);

    assert.equal(await server.stop(), 0);
    assert.ok(!existsSync(socket), 'the socket is removed on SIGTERM');
    assert.ok(!server.logs().includes(token), 'the token never reaches the log');
    assert.match(server.logs(), /"msg":"daemon stopped"/);
  } finally {
    await server.stop();
    cleanup();
  }
});
