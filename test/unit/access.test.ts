// The pure parts of access: login throttling, sessions and their expiry,
// password hashes, app-scoped principals, and the daemon's own edge route.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api } from '../../src/api/contract.js';
import { ApiError, toWireError } from '../../src/api/errors.js';
import { authorizeApp, requireApp, type Principal } from '../../src/server/auth.js';
import { daemonRoute } from '../../src/server/daemon-route.js';
import { LoginLimiter } from '../../src/server/login-limit.js';
import { semverTag } from '../../src/build/tags.js';
import { openDb } from '../../src/state/db.js';
import { Sessions, sessionLifetimeMs } from '../../src/state/sessions.js';
import { checkPassword, hashPassword, Users } from '../../src/state/users.js';

const kind = (k: string) => (e: unknown): boolean => e instanceof ApiError && e.kind === k;

test('five failed logins in a minute from one address, then 429 until the oldest is a minute old; other addresses unaffected', () => {
  const l = new LoginLimiter();
  const t0 = 1_000_000;
  for (let i = 0; i < 5; i++) {
    l.check('10.0.0.1', t0 + i);
    l.fail('10.0.0.1', t0 + i);
  }
  assert.throws(() => l.check('10.0.0.1', t0 + 10), (e: unknown) => kind('rate_limited')(e) && toWireError(e).status === 429);
  l.check('10.0.0.2', t0 + 10);
  l.check('10.0.0.1', t0 + 60_001);
  l.fail('10.0.0.1', t0 + 60_002);
  l.succeed('10.0.0.1');
  l.check('10.0.0.1', t0 + 60_003);
});

test('sessions: the cookie id is not stored, a session expires after its lifetime, closing ends it', async () => {
  const db = openDb(':memory:');
  try {
    await new Users(db).set('ana', 'a long password', 'read');
    const s = new Sessions(db);
    const now = Date.parse('2026-01-01T00:00:00Z');
    const { id, session } = s.open('ana', now);
    const stored = db.prepare('SELECT hash FROM sessions').all() as Array<{ hash: string }>;
    assert.ok(!stored.some((r) => r.hash === id), 'only a hash of the id is kept');
    assert.equal(s.find(id, now + 1000)?.csrf, session.csrf);
    assert.equal(s.find(id, now + sessionLifetimeMs + 1), undefined);
    assert.equal(s.find('not-a-session', now), undefined);
    s.close(id);
    assert.equal(s.find(id, now + 1000), undefined);
  } finally {
    db.close();
  }
});

test('passwords: scrypt hashes with their own salt; a wrong password or an unknown user fails; a new password ends sessions', async () => {
  const a = await hashPassword('correct horse battery');
  const b = await hashPassword('correct horse battery');
  assert.notEqual(a, b, 'salted');
  assert.match(a, /^scrypt\$16384\$8\$1\$/);
  assert.equal(await checkPassword('correct horse battery', a), true);
  assert.equal(await checkPassword('correct horse batterY', a), false);
  const db = openDb(':memory:');
  try {
    const users = new Users(db);
    await users.set('ana', 'first password!', 'deploy');
    const sessions = new Sessions(db);
    const { id } = sessions.open('ana');
    assert.equal((await users.verify('ana', 'first password!'))?.scope, 'deploy');
    assert.equal(await users.verify('ana', 'wrong password!'), undefined);
    assert.equal(await users.verify('bob', 'first password!'), undefined);
    await users.set('ana', 'second password', 'admin');
    assert.equal(sessions.find(id), undefined, 'a new password ends the old sessions');
    assert.throws(() => users.remove('bob'), kind('not_found'));
  } finally {
    db.close();
  }
});

test('an app-scoped principal reaches its own app, endpoints that limit themselves, and nothing else', () => {
  const shop: Principal = { via: 'token', scope: 'admin', app: 'shop', user: null };
  const all: Principal = { via: 'token', scope: 'read', app: null, user: null };
  authorizeApp(shop, api.releases, { app: 'shop' });
  assert.throws(() => authorizeApp(shop, api.releases, { app: 'blog' }), kind('forbidden'));
  authorizeApp(shop, api.status, {});
  assert.throws(() => authorizeApp(shop, api.tokensList, {}), kind('forbidden'));
  assert.throws(() => authorizeApp(shop, api.usersAdd, {}), kind('forbidden'));
  authorizeApp(shop, api.health, {});
  authorizeApp(all, api.releases, { app: 'blog' });
  authorizeApp(all, api.tokensList, {});
  requireApp(shop, 'shop');
  assert.throws(() => requireApp(shop, 'blog'), kind('forbidden'));
});

test("the daemon's own route reaches its listener on loopback, HTTPS when certificates are on", () => {
  assert.deepEqual(daemonRoute('calma.example.com', { host: '0.0.0.0', port: 7070 }, true), {
    app: 'calma',
    env: 'dashboard',
    domains: ['calma.example.com'],
    upstreams: [{ host: '127.0.0.1', port: 7070 }],
    https: true,
    maxBodyBytes: 0,
  });
  assert.deepEqual(daemonRoute('c.test', { host: '::', port: 1 }, false).upstreams, [{ host: '::1', port: 1 }]);
});

test('version tags: semver git tags become vX.Y.Z image tags, others none', () => {
  assert.equal(semverTag('v1.4.0'), 'v1.4.0');
  assert.equal(semverTag('1.4.0'), 'v1.4.0');
  assert.equal(semverTag('v2.0.0-rc.1'), 'v2.0.0-rc.1');
  assert.equal(semverTag('nightly'), undefined);
  assert.equal(semverTag('v1.4'), undefined);
});
