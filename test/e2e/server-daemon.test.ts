// The real daemon, in-process: a unix socket under a temporary CALMA_HOME and
// a TCP listener on a free loopback port, driven by the typed client and by
// raw HTTP to see exactly what goes over the wire.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { api } from '../../src/api/contract.js';
import { wireErrorSchema } from '../../src/api/errors.js';
import { createClient } from '../../src/cli/client.js';
import { UnavailableError, UserError } from '../../src/errors.js';
import { startDaemon, type Daemon } from '../../src/server/daemon.js';
import { createToken, revokeToken } from '../../src/server/tokens.js';
import { openDb } from '../../src/state/db.js';
import { memoryLogger, socketRequest, tempHome, testEdge } from '../support/server-helpers.js';

async function withDaemon(fn: (d: Daemon, home: string, logs: () => string) => Promise<void>, tcp = false): Promise<void> {
  const { home, cleanup } = tempHome();
  const logs = memoryLogger();
  const daemon = await startDaemon({ home, edge: await testEdge(home), log: logs.log, ...(tcp ? { listen: { host: '127.0.0.1', port: 0 } } : {}) });
  try {
    await fn(daemon, home, logs.text);
  } finally {
    await daemon.close();
    cleanup();
  }
}

test('health and whoami over the socket, which is mode 0600', () =>
  withDaemon(async (d, home) => {
    assert.equal(d.socketPath, join(home, 'calma.sock'));
    assert.equal(statSync(d.socketPath).mode & 0o777, 0o600);
    const client = createClient({ socketPath: d.socketPath });
    const health = await client.call(api.health);
    assert.equal(health.ok, true);
    assert.match(health.version, /^\d+\.\d+\.\d+/);
    assert.deepEqual(await client.call(api.whoami), { via: 'socket', scope: 'admin', app: null });
  }));

test('TCP needs a token: none → 401, created → 200, revoked → 401; tokens never reach the log', () =>
  withDaemon(async (d, home, logs) => {
    assert.ok(d.tcp && d.tcp.port > 0);
    const url = `http://127.0.0.1:${d.tcp.port}`;
    const bare = await fetch(`${url}/v1/whoami`);
    assert.equal(bare.status, 401);
    assert.equal(wireErrorSchema.parse(await bare.json()).error.kind, 'auth');
    assert.equal((await fetch(`${url}/v1/health`)).status, 200, 'health needs no token');

    const db = openDb(join(home, 'state.db'));
    try {
      const { id, token } = createToken(db, { name: 'e2e', scope: 'admin' });
      const client = createClient({ url, token });
      assert.deepEqual(await client.call(api.whoami), { via: 'token', scope: 'admin', app: null });
      revokeToken(db, id);
      const revoked = await fetch(`${url}/v1/whoami`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(revoked.status, 401);
      assert.deepEqual(await revoked.json(), { error: { kind: 'auth', message: 'invalid, expired or revoked token' } });
      await assert.rejects(client.call(api.whoami), (e: unknown) => e instanceof UserError && /invalid, expired or revoked token/.test(e.message));
      assert.ok(logs().includes(`"tokenId":"${id}"`), 'requests are logged with the token id');
      assert.ok(!logs().includes(token), 'the token itself is never logged');
    } finally {
      db.close();
    }
  }, true));

test('an unknown route is a 404 in the wire form (and a 401 over TCP without a token)', () =>
  withDaemon(async (d) => {
    const r = await socketRequest(d.socketPath, '/v1/nope');
    assert.equal(r.status, 404);
    assert.match(r.headers['content-type'] ?? '', /^application\/json/);
    assert.deepEqual(JSON.parse(r.body), { error: { kind: 'not_found', message: 'no such endpoint: GET /v1/nope' } });
    assert.equal((await fetch(`http://127.0.0.1:${d.tcp!.port}/v1/nope`)).status, 401);
  }, true));

test('the NDJSON stream delivers N events in order, then its end', () =>
  withDaemon(async (d) => {
    const client = createClient({ socketPath: d.socketPath });
    const seen: unknown[] = [];
    const end = await client.stream(api.ping, { query: { count: 25 } }, (e) => void seen.push(e));
    assert.deepEqual(end, { type: 'end' });
    assert.deepEqual(seen, [...Array.from({ length: 25 }, (_, i) => ({ type: 'tick', n: i + 1 })), { type: 'end' }]);
    const raw = await socketRequest(d.socketPath, '/v1/events/ping?count=2');
    assert.equal(raw.headers['content-type'], 'application/x-ndjson');
    assert.equal(raw.body, '{"type":"tick","n":1}\n{"type":"tick","n":2}\n{"type":"end"}\n');
    await assert.rejects(client.stream(api.ping, { query: { count: -1 } }, () => undefined), (e: unknown) => e instanceof UserError && e.details[0] === '  query.count: Too small: expected number to be >=0');
  }));

test('a second daemon on the same home refuses to start with one clear line', () =>
  withDaemon(async (d, home) => {
    const second = startDaemon({ home, edge: await testEdge(home), log: memoryLogger().log });
    await assert.rejects(second, (e: unknown) => e instanceof UserError && e.message === `another calma daemon is already running on ${d.socketPath}`);
    const health = await createClient({ socketPath: d.socketPath }).call(api.health);
    assert.equal(health.ok, true, 'the first daemon still serves');
  }));

test('close() removes the socket; then the client says the daemon is not running', async () => {
  const { home, cleanup } = tempHome();
  try {
    const d = await startDaemon({ home, edge: await testEdge(home), log: memoryLogger().log });
    assert.ok(existsSync(d.socketPath));
    await d.close();
    assert.ok(!existsSync(d.socketPath));
    await assert.rejects(
      createClient({ socketPath: d.socketPath }).call(api.health),
      (e: unknown) => e instanceof UnavailableError && e.message === `cannot reach the calma daemon at ${d.socketPath}: is \`calma server\` running?`,
    );
  } finally {
    cleanup();
  }
});

test('a stale socket file left by a killed daemon is replaced', async () => {
  const { home, cleanup } = tempHome();
  const socketPath = join(home, 'calma.sock');
  try {
    // A process that binds the socket and is killed: its socket file stays, with nobody behind it.
    const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(socketPath)}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((r) => child.stdout.once('data', r));
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    assert.ok(existsSync(socketPath), 'the stale socket file is there');
    const d = await startDaemon({ home, edge: await testEdge(home), log: memoryLogger().log });
    try {
      assert.equal((await createClient({ socketPath }).call(api.health)).ok, true);
    } finally {
      await d.close();
    }
  } finally {
    cleanup();
  }
});

test('a TCP port in use fails the start with one clear line and leaves no socket behind', async () => {
  const { home, cleanup } = tempHome();
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as { port: number }).port;
  try {
    await assert.rejects(
      startDaemon({ home, edge: await testEdge(home), log: memoryLogger().log, listen: { host: '127.0.0.1', port } }),
      (e: unknown) => e instanceof UserError && e.message === `cannot listen on 127.0.0.1:${port}: the address is in use`,
    );
    assert.ok(!existsSync(join(home, 'calma.sock')));
  } finally {
    await new Promise((r) => blocker.close(r));
    cleanup();
  }
});

test('the client gives one clear line when no daemon ever ran', async () => {
  const { home, cleanup } = tempHome();
  try {
    const socketPath = join(home, 'calma.sock');
    await assert.rejects(createClient({ socketPath }).stream(api.ping, {}, () => undefined), (e: unknown) => e instanceof UnavailableError && e.message === `cannot reach the calma daemon at ${socketPath}: is \`calma server\` running?`);
  } finally {
    cleanup();
  }
});
