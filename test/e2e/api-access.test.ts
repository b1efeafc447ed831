// The API over TCP as an outsider meets it: every route locked but health,
// login and the signed webhooks; scopes and app-scoped tokens enforced on
// every route; dashboard sessions with http-only cookies, CSRF tokens and a
// login rate limit; and a secret set through the API never coming back out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import http from 'node:http';
import Database from 'better-sqlite3';
import { api } from '../../src/api/contract.js';
import { freePort, tempHome } from '../support/server-helpers.js';
import { runCli, startAppDaemon, type RunningServer } from '../support/server-cli.js';
import { calma } from '../support/cli.js';

interface Call {
  method?: string;
  token?: string;
  cookie?: string;
  csrf?: string;
  body?: unknown;
  accept?: string;
}

async function withDaemon(fn: (d: { url: string; env: NodeJS.ProcessEnv; home: string; server: RunningServer; httpPort: number }) => Promise<void>, extra: string[] = []): Promise<void> {
  const { home, cleanup } = tempHome();
  const env = { CALMA_HOME: home };
  const port = await freePort();
  const { server, httpPort } = await startAppDaemon(env, ['--listen', `127.0.0.1:${port}`, ...extra]);
  try {
    await fn({ url: `http://127.0.0.1:${port}`, env, home, server, httpPort });
  } finally {
    await server.stop();
    cleanup();
  }
}

function caller(url: string) {
  return async (path: string, c: Call = {}): Promise<{ status: number; json: any; headers: Headers; text: string }> => {
    const headers: Record<string, string> = {};
    if (c.token) headers.authorization = `Bearer ${c.token}`;
    if (c.cookie) headers.cookie = c.cookie;
    if (c.csrf) headers['x-csrf-token'] = c.csrf;
    if (c.body !== undefined) headers['content-type'] = 'application/json';
    const r = await fetch(`${url}${path}`, { method: c.method ?? 'GET', headers, ...(c.body !== undefined ? { body: JSON.stringify(c.body) } : {}) });
    const text = await r.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: r.status, json, headers: r.headers, text };
  };
}

async function token(env: NodeJS.ProcessEnv, ...args: string[]): Promise<string> {
  const r = await runCli(['server', 'token', 'create', ...args], env);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

test('without a credential every route is 401 but health; unknown routes reveal nothing; bad input names its field', () =>
  withDaemon(async ({ url, env }) => {
    const call = caller(url);
    assert.equal((await call('/v1/health')).status, 200);
    for (const [name, e] of Object.entries(api)) {
      if (e.access === 'none') continue;
      const path = e.path.replace(/:app/g, 'shop').replace(/:env/g, 'production').replace(/:id/g, 'p0000000x').replace(/:name/g, 'db');
      const r = await call(path, { method: e.method });
      assert.equal(r.status, 401, `${name}: ${e.method} ${path} without a token`);
      assert.equal(r.json?.error?.kind, 'auth');
    }
    assert.equal((await call('/v1/nothing-here')).status, 401, 'an unknown route needs a credential too');
    const admin = await token(env);
    const unknown = await call('/v1/nothing-here', { token: admin });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error.kind, 'not_found');
    const bad = await call('/v1/users', { method: 'POST', token: admin, body: { name: 'Bad Name', password: 'short' } });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.json.error.fields.map((f: { path: string }) => f.path).sort(), ['body.name', 'body.password']);
    assert.ok(!bad.text.includes('    at '), 'no stack trace');
    const wrong = await call('/v1/whoami', { token: 'calma_not-a-real-token' });
    assert.equal(wrong.status, 401);
  }));

test('scopes hold on every route: read cannot change, deploy cannot administer, an app token sees its app only', () =>
  withDaemon(async ({ url, env }) => {
    const call = caller(url);
    const read = await token(env, '--scope', 'read');
    const deploy = await token(env, '--scope', 'deploy');
    const admin = await token(env, '--scope', 'admin');
    const shopOnly = (await calma(['tokens', 'create', '--scope', 'deploy', '--app', 'shop', '--name', 'shop ci'], { env })).stdout.trim();
    assert.match(shopOnly, /^calma_/);

    // Every endpoint, for every scope: refused (403) exactly when the scope is weaker than the route needs.
    const rank = { read: 0, deploy: 1, admin: 2 } as const;
    for (const [name, e] of Object.entries(api)) {
      // The feed never ends (it has its own test below); deploy needs an upload.
      if (e.access === 'none' || e.path === '/v1/deploy' || name === 'logout' || name === 'events') continue;
      const path = e.path.replace(/:app/g, 'shop').replace(/:env/g, 'preview-x').replace(/:id/g, name.startsWith('tokens') ? 'ffffffff' : 'p0000000x').replace(/:name/g, 'nobody');
      for (const [scope, t] of [['read', read], ['deploy', deploy]] as const) {
        const r = await call(path, { method: e.method, token: t, ...(e.method === 'GET' || e.method === 'DELETE' ? {} : { body: {} }) });
        if (rank[scope] < rank[e.access]) assert.equal(r.status, 403, `${name} with a ${scope} token`);
        else assert.notEqual(r.status, 403, `${name} with a ${scope} token: ${r.text}`);
      }
    }
    assert.equal((await call('/v1/tokens', { token: admin })).status, 200);

    // The app token: its own app yes, another app no, global administration no.
    assert.equal((await call('/v1/apps/shop/releases', { token: shopOnly })).status, 200);
    const other = await call('/v1/apps/blog/releases', { token: shopOnly });
    assert.equal(other.status, 403);
    assert.match(other.json.error.message, /for the app shop only/);
    assert.equal((await call('/v1/apps/blog/rollback', { method: 'POST', token: shopOnly, body: {} })).status, 403);
    assert.equal((await call('/v1/certs?app=blog', { token: shopOnly })).status, 403);
    assert.equal((await call('/v1/tokens', { token: shopOnly })).status, 403);
    assert.equal((await call('/v1/users', { token: shopOnly })).status, 403);
    assert.deepEqual((await call('/v1/whoami', { token: shopOnly })).json, { via: 'token', scope: 'deploy', app: 'shop' });
    const status = await call('/v1/status', { token: shopOnly });
    assert.equal(status.status, 200);
    assert.ok((status.json as Array<{ app: string }>).every((r) => r.app === 'shop'));

    // Tokens listed never show their values; a revoked or expired token stops working.
    const listed = await call('/v1/tokens', { token: admin });
    for (const t of [read, deploy, admin, shopOnly]) assert.ok(!listed.text.includes(t.slice(6)), 'no token value in the list');
    const made = await call('/v1/tokens', { method: 'POST', token: admin, body: { scope: 'read', expiresInDays: 1, name: 'short lived' } });
    assert.equal(made.status, 200, made.text);
    assert.equal((await call('/v1/whoami', { token: made.json.token })).status, 200);
    const db = new Database(join(env.CALMA_HOME!, 'state.db'));
    db.prepare('UPDATE tokens SET expires_at = ? WHERE id = ?').run('2000-01-01T00:00:00.000Z', made.json.id);
    db.close();
    assert.equal((await call('/v1/whoami', { token: made.json.token })).status, 401, 'an expired token is refused');
    assert.equal((await call(`/v1/tokens/${made.json.id}`, { method: 'DELETE', token: admin })).status, 200);
    const revoked = await call(`/v1/tokens/${made.json.id}`, { method: 'DELETE', token: admin });
    assert.equal(revoked.status, 404);
  }));

test('dashboard sessions: http-only SameSite cookie, CSRF on every change, logout and expiry end them, 5 failed logins a minute then 429', () =>
  withDaemon(async ({ url, env, home }) => {
    const call = caller(url);
    const added = await calma(['users', 'add', 'ana', '--scope', 'admin', '--password-stdin'], { env, input: 'correct horse battery\n' });
    assert.equal(added.code, 0, added.stderr);
    assert.equal(added.stdout, 'user ana can log in with the admin scope\n');
    const stored = readFileSync(join(home, 'state.db'));
    assert.ok(!stored.includes('correct horse battery'), 'the password is not stored');

    const wrong = await call('/v1/session', { method: 'POST', body: { user: 'ana', password: 'wrong password!' } });
    assert.equal(wrong.status, 401);
    const ok = await call('/v1/session', { method: 'POST', body: { user: 'ana', password: 'correct horse battery' } });
    assert.equal(ok.status, 200, ok.text);
    const setCookie = ok.headers.get('set-cookie') ?? '';
    assert.match(setCookie, /^calma_session=[^;]+;/);
    assert.match(setCookie, /HttpOnly/i);
    assert.match(setCookie, /SameSite=Strict/i);
    const cookie = setCookie.split(';')[0]!;
    const csrf = ok.json.csrf as string;
    assert.equal(ok.json.user, 'ana');

    assert.equal((await call('/v1/session', { cookie })).json.csrf, csrf, 'the page gets its CSRF token again after a reload');
    assert.equal((await call('/v1/status', { cookie })).status, 200, 'reading needs no CSRF token');
    const noCsrf = await call('/v1/tokens', { method: 'POST', cookie, body: { scope: 'read' } });
    assert.equal(noCsrf.status, 403);
    assert.match(noCsrf.json.error.message, /CSRF/);
    assert.equal((await call('/v1/tokens', { method: 'POST', cookie, csrf: 'x'.repeat(csrf.length), body: { scope: 'read' } })).status, 403);
    assert.equal((await call('/v1/tokens', { method: 'POST', cookie, csrf, body: { scope: 'read' } })).status, 200);

    assert.equal((await call('/v1/session', { method: 'DELETE', cookie, csrf })).status, 200);
    assert.equal((await call('/v1/session', { cookie })).status, 401, 'logged out');

    const again = await call('/v1/session', { method: 'POST', body: { user: 'ana', password: 'correct horse battery' } });
    const cookie2 = again.headers.get('set-cookie')!.split(';')[0]!;
    assert.equal((await call('/v1/session', { cookie: cookie2 })).status, 200);
    const db = new Database(join(home, 'state.db'));
    db.prepare('UPDATE sessions SET expires_at = ?').run('2000-01-01T00:00:00.000Z');
    db.close();
    const expired = await call('/v1/session', { cookie: cookie2 });
    assert.equal(expired.status, 401, 'an expired session is refused');
    assert.match(expired.json.error.message, /log in again/);

    for (let i = 0; i < 5; i++) assert.equal((await call('/v1/session', { method: 'POST', body: { user: 'ana', password: `guess number ${i}` } })).status, 401);
    const limited = await call('/v1/session', { method: 'POST', body: { user: 'ana', password: 'correct horse battery' } });
    assert.equal(limited.status, 429, 'the sixth attempt within a minute is refused, even with the right password');
    assert.equal(limited.json.error.kind, 'rate_limited');

    const users = await calma(['--json', 'users', 'list'], { env });
    assert.deepEqual((JSON.parse(users.stdout) as Array<{ name: string }>).map((u) => u.name), ['ana']);
    assert.equal((await calma(['users', 'remove', 'ana'], { env })).code, 0);
  }));

test('a secret set through the API never appears in a response, a log line or the state file; events stream as SSE', () =>
  withDaemon(async ({ url, env, home, server }) => {
    const call = caller(url);
    const admin = await token(env);
    const secret = 'S3cr3t-value-that-must-never-leak-7f2c';
    const set = await call('/v1/apps/shop/secrets/DATABASE_PASSWORD', { method: 'PUT', token: admin, body: { value: secret } });
    assert.equal(set.status, 200, set.text);
    let seen = set.text;
    for (const [, e] of Object.entries(api)) {
      if (e.method !== 'GET' || e.kind !== 'json') continue;
      const r = await call(e.path.replace(/:app/g, 'shop').replace(/:env/g, 'production').replace(/:id/g, 'p0000000x').replace(/:name/g, 'DATABASE_PASSWORD'), { token: admin });
      seen += r.text;
    }
    const listed = await calma(['secrets', 'list', 'shop'], { env });
    assert.match(listed.stdout, /DATABASE_PASSWORD/);
    seen += listed.stdout + listed.stderr;
    assert.ok(!seen.includes(secret), 'no API response or CLI output holds the value');
    assert.ok(!server.logs().includes(secret), 'no log line holds the value');
    for (const f of readdirSync(home)) {
      const p = join(home, f);
      if (statSync(p).isFile()) assert.ok(!readFileSync(p).includes(secret), `${f} does not hold the value in clear`);
    }

    // The live feed, as a browser's EventSource reads it.
    const ac = new AbortController();
    const r = await fetch(`${url}/v1/events`, { headers: { authorization: `Bearer ${admin}`, accept: 'text/event-stream' }, signal: ac.signal });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reader = r.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    assert.match(first, /^data: \{"type":"hello","at":"20/);
    ac.abort();
  }));

test('calma server --domain puts the dashboard and the API behind the edge, as locked as on the listener', () =>
  withDaemon(
    async ({ env, httpPort }) => {
      const viaEdge = (path: string, init: { method?: string; body?: unknown; from?: string } = {}) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          const payload = init.body === undefined ? undefined : JSON.stringify(init.body);
          const req = http.request(
            { host: '127.0.0.1', port: httpPort, path, method: init.method ?? 'GET', headers: { host: 'dash.calma.test', ...(payload ? { 'content-type': 'application/json' } : {}) } },
            (res) => {
              let body = '';
              res.on('data', (d: Buffer) => (body += d.toString()));
              res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
            },
          );
          req.on('error', reject);
          req.end(payload);
        });
      const page = await viaEdge('/');
      assert.equal(page.status, 200);
      assert.match(page.body, /<div id="app"|<script type="module"/);
      assert.equal((await viaEdge('/v1/health')).status, 200);
      assert.equal((await viaEdge('/v1/status')).status, 401, 'the API behind the edge is as locked as on the listener');
      assert.equal((await calma(['users', 'add', 'bo', '--password-stdin'], { env, input: 'a long enough password' })).code, 0);
      const login = await viaEdge('/v1/session', { method: 'POST', body: { user: 'bo', password: 'a long enough password' } });
      assert.equal(login.status, 200, login.body);
    },
    ['--domain', 'dash.calma.test'],
  ));
