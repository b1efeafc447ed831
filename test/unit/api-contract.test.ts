// The API contract, the wire form of errors and tokens, without sockets:
// fastify's inject() drives the app built from a contract.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { api, endpoint, streamEndpoint, type Input, type Output } from '../../src/api/contract.js';
import { ApiError, DaemonInternalError, fromWireError, toWireError, wireErrorSchema } from '../../src/api/errors.js';
import { ConfigError, UnavailableError, UserError } from '../../src/errors.js';
import { buildApp } from '../../src/server/app.js';
import { authenticate, authorize, type AuthDeps, type Principal } from '../../src/server/auth.js';
import type { Handlers } from '../../src/server/handlers.js';
import type { DeployHandlerDeps } from "../../src/server/deploy-handler.js";
import type { AuthHandlerDeps } from '../../src/server/auth-handlers.js';
import { Users } from '../../src/state/users.js';
import { Sessions } from '../../src/state/sessions.js';
import { createHandlers } from '../../src/server/routes.js';
import { KeyedLock } from '../../src/server/keyed-lock.js';
import type { CertStore } from '../../src/state/certs.js';
import { createToken, hashToken, listTokens, revokeToken, verifyToken } from '../../src/server/tokens.js';
import { openDb } from '../../src/state/db.js';
import { memoryLogger } from '../support/server-helpers.js';
import type { Pipelines } from '../../src/pipeline/pipelines.js';
import type { PipelineHandlerDeps } from '../../src/server/pipeline-handlers.js';
import type { Db } from '../../src/state/db.js';

const authDeps = (db: Db): AuthDeps => ({ db, users: new Users(db), sessions: new Sessions(db) });

// A contract of test endpoints exercising every part and every failure path.
const testApi = {
  echo: endpoint({
    method: 'POST',
    path: '/t/echo/:name',
    summary: 'echoes its input',
    access: 'read',
    params: z.object({ name: z.string().regex(/^[a-z]+$/, 'expected lowercase letters') }),
    body: z.object({ n: z.number().int(), tags: z.array(z.string()) }),
    response: z.object({ name: z.string(), n: z.number(), tags: z.array(z.string()) }),
  }),
  fail: endpoint({
    method: 'GET',
    path: '/t/fail',
    summary: 'throws what the query names',
    access: 'read',
    query: z.object({ what: z.enum(['user', 'config', 'unavailable', 'notfound', 'bug', 'badresponse']) }),
    response: z.object({ ok: z.literal(true) }),
  }),
  half: streamEndpoint({
    method: 'GET',
    path: '/t/half',
    summary: 'one event, then a failure',
    access: 'read',
    query: z.object({ early: z.enum(['yes', 'no']) }),
    event: z.object({ type: z.literal('tick') }),
  }),
};

const testHandlers: Handlers<typeof testApi> = {
  echo: ({ params, body }) => ({ name: params.name, ...body }),
  fail: ({ query }) => {
    if (query.what === 'user') throw new UserError('you did it wrong');
    if (query.what === 'config') throw new ConfigError([{ file: 'calma.yml', path: 'app', line: 1, column: 6, message: 'bad name' }]);
    if (query.what === 'unavailable') throw new UnavailableError('the engine is down');
    if (query.what === 'notfound') throw new ApiError('not_found', 'no such app "x"');
    if (query.what === 'badresponse') return { ok: false } as unknown as { ok: true };
    throw new Error('secret internal detail at /root/x');
  },
  half: async ({ query }, _ctx, emit) => {
    if (query.early === 'yes') throw new ApiError('not_found', 'nothing to stream');
    await emit({ type: 'tick' });
    throw new UserError('broke after one tick');
  },
};

type TestApp = { app: Awaited<ReturnType<typeof buildApp>>; db: ReturnType<typeof openDb>; logs: ReturnType<typeof memoryLogger> };

async function withTestApp(fn: (t: TestApp) => Promise<void>): Promise<void> {
  const db = openDb(':memory:');
  const logs = memoryLogger();
  const app = await buildApp({ listener: 'socket', auth: authDeps(db), log: logs.log, endpoints: testApi, handlers: testHandlers });
  try {
    await fn({ app, db, logs });
  } finally {
    await app.close();
    db.close();
  }
}

test('bad input is a 400 validation error listing every field path', () =>
  withTestApp(async (t) => {
    const r = await t.app.inject({ method: 'POST', url: '/t/echo/NOPE', payload: { n: 1.5, tags: ['a', 2] } });
    assert.equal(r.statusCode, 400);
    const body = wireErrorSchema.parse(r.json());
    assert.equal(body.error.kind, 'validation');
    assert.deepEqual(body.error.fields?.map((f) => f.path), ['params.name', 'body.n', 'body.tags.1']);
    assert.equal(body.error.fields?.[0]?.message, 'expected lowercase letters');
    assert.match(body.error.message, /^invalid request: params\.name: expected lowercase letters \(and 2 more\)$/);
  }));

test('good input reaches the handler parsed, and the response is validated', () =>
  withTestApp(async (t) => {
    const r = await t.app.inject({ method: 'POST', url: '/t/echo/abc', payload: { n: 2, tags: ['x'] } });
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.json(), { name: 'abc', n: 2, tags: ['x'] });
    const bad = await t.app.inject({ url: '/t/fail?what=badresponse' });
    assert.equal(bad.statusCode, 500);
    assert.equal(wireErrorSchema.parse(bad.json()).error.kind, 'internal');
  }));

test('query numbers are parsed from strings, with bounds and a clear message', () =>
  withTestApp(async (t) => {
    const app = await buildApp({ listener: 'socket', auth: authDeps(t.db), log: t.logs.log, endpoints: api, handlers: createHandlers({ version: '9.9.9', deploy: {} as DeployHandlerDeps, locks: new KeyedLock(), certs: { store: {} as CertStore, manager: undefined }, pipelines: {} as Pipelines, git: {} as PipelineHandlerDeps, auth: {} as AuthHandlerDeps }) });
    try {
      const word = wireErrorSchema.parse((await app.inject({ url: '/v1/events/ping?count=many' })).json());
      assert.deepEqual(word.error.fields, [{ path: 'query.count', message: 'expected a number, got "many"' }]);
      const big = await app.inject({ url: '/v1/events/ping?count=5000' });
      assert.equal(big.statusCode, 400);
      assert.equal(wireErrorSchema.parse(big.json()).error.fields?.[0]?.path, 'query.count');
      const ok = await app.inject({ url: '/v1/events/ping?count=2' });
      assert.equal(ok.headers['content-type'], 'application/x-ndjson');
      assert.equal(ok.body, '{"type":"tick","n":1}\n{"type":"tick","n":2}\n{"type":"end"}\n');
    } finally {
      await app.close();
    }
  }));

test('errors map to their status and wire form, never with a stack or an internal message', () =>
  withTestApp(async (t) => {
    const cases: Array<[string, number, string]> = [
      ['user', 400, 'user'],
      ['config', 422, 'config'],
      ['unavailable', 503, 'user'],
      ['notfound', 404, 'not_found'],
      ['bug', 500, 'internal'],
    ];
    for (const [what, status, kind] of cases) {
      const r = await t.app.inject({ url: `/t/fail?what=${what}` });
      assert.equal(r.statusCode, status, what);
      const body = wireErrorSchema.parse(r.json());
      assert.equal(body.error.kind, kind, what);
      assert.doesNotMatch(r.body, /secret internal detail|at .*\.js:\d+/, what);
    }
    const config = wireErrorSchema.parse((await t.app.inject({ url: '/t/fail?what=config' })).json());
    assert.deepEqual(config.error.fields, [{ path: 'app', message: 'calma.yml:1:6 app: bad name' }]);
    // The daemon's log keeps what the client is not told.
    assert.match(t.logs.text(), /secret internal detail/);
    const notFound = await t.app.inject({ url: '/nowhere?x=1' });
    assert.equal(notFound.statusCode, 404);
    assert.deepEqual(notFound.json(), { error: { kind: 'not_found', message: 'no such endpoint: GET /nowhere' } });
    const badJson = await t.app.inject({ method: 'POST', url: '/t/echo/abc', headers: { 'content-type': 'application/json' }, payload: '{"n":' });
    assert.equal(badJson.statusCode, 400);
    assert.equal(wireErrorSchema.parse(badJson.json()).error.kind, 'validation');
  }));

test('a stream fails with a status before its first event, with an error line after it', () =>
  withTestApp(async (t) => {
    const early = await t.app.inject({ url: '/t/half?early=yes' });
    assert.equal(early.statusCode, 404);
    assert.equal(wireErrorSchema.parse(early.json()).error.kind, 'not_found');
    const late = await t.app.inject({ url: '/t/half?early=no' });
    assert.equal(late.statusCode, 200);
    assert.equal(late.body, '{"type":"tick"}\n{"error":{"kind":"user","message":"broke after one tick"}}\n');
  }));

test('wire errors become the matching calma errors on the client side', () => {
  for (const e of [new UserError('u'), new UnavailableError('down'), new ApiError('auth', 'no token'), new ApiError('validation', 'bad', [{ path: 'body.n', message: 'nope' }]), new Error('bug')]) {
    const { status, body } = toWireError(e);
    const back = fromWireError(body, status);
    assert.equal(back.constructor, e.constructor === Error ? DaemonInternalError : e.constructor);
  }
  const v = fromWireError(toWireError(new ApiError('validation', 'bad', [{ path: 'body.n', message: 'nope' }])).body) as ApiError;
  assert.deepEqual(v.details, ['  body.n: nope']);
  assert.equal(toWireError(new ApiError('forbidden', 'x')).status, 403);
});

test('tokens are stored hashed, verified by hash, and fail once revoked', () => {
  const db = openDb(':memory:');
  try {
    const t = createToken(db, { name: 'ci', scope: 'admin' });
    assert.match(t.token, /^calma_[A-Za-z0-9_-]{43}$/);
    const stored = db.prepare('SELECT hash FROM tokens WHERE id = ?').get(t.id) as { hash: string };
    assert.notEqual(stored.hash, t.token);
    assert.equal(stored.hash, hashToken(t.token));
    assert.doesNotMatch(JSON.stringify(db.prepare('SELECT * FROM tokens').all()), new RegExp(t.token));
    assert.equal(verifyToken(db, t.token)?.id, t.id);
    assert.equal(verifyToken(db, `${t.token}x`), undefined);
    assert.equal(verifyToken(db, 'not-a-token'), undefined);
    const [listed] = listTokens(db);
    assert.ok(listed?.lastUsedAt, 'last_used_at is set by a successful verification');
    assert.deepEqual(Object.keys(listed).sort(), ['app', 'createdAt', 'expiresAt', 'id', 'lastUsedAt', 'name', 'scope']);
    revokeToken(db, t.id);
    assert.equal(verifyToken(db, t.token), undefined);
    assert.throws(() => revokeToken(db, t.id), (e: unknown) => e instanceof ApiError && e.kind === 'not_found');
  } finally {
    db.close();
  }
});

test('the contract types inputs and outputs for callers', () => {
  // Compile-time checks: these lines only need to type-check (or, marked, to fail to).
  const ping: Input<typeof api.ping> = { query: { count: 3 } };
  const none: Input<typeof api.health> = {};
  // @ts-expect-error count is a number (or its string form), not a boolean
  const wrong: Input<typeof api.ping> = { query: { count: true } };
  const health: Output<typeof api.health> = { ok: true, version: '1' };
  assert.ok(ping && none && wrong && health);
});

test('scopes: a weaker token is refused (403), the socket is admin, public endpoints need nothing', () => {
  const forbidden = (e: unknown): boolean => e instanceof ApiError && e.kind === 'forbidden' && toWireError(e).status === 403;
  const as = (scope: 'read' | 'deploy'): Principal => ({ via: 'token', scope, app: null, user: null });
  assert.throws(() => authorize(as('read'), 'admin'), forbidden);
  assert.throws(() => authorize(as('deploy'), 'admin'), forbidden);
  authorize(as('deploy'), 'read');
  authorize(as('read'), 'none');
  const db = openDb(':memory:');
  const deps = authDeps(db);
  const creds = (authorization?: string) => ({ method: 'GET', authorization, session: undefined, csrf: undefined });
  try {
    assert.deepEqual(authenticate(deps, 'socket', creds()), { via: 'socket', scope: 'admin', app: null, user: null });
    assert.throws(() => authenticate(deps, 'tcp', creds()), (e: unknown) => e instanceof ApiError && e.kind === 'auth');
    assert.throws(() => authenticate(deps, 'tcp', creds('Basic abc')), /malformed Authorization header/);
    const { token, id } = createToken(db, { name: 'x', scope: 'admin' });
    assert.deepEqual(authenticate(deps, 'tcp', creds(`Bearer ${token}`)), { via: 'token', scope: 'admin', app: null, user: null, tokenId: id });
  } finally {
    db.close();
  }
});
