// The endpoints of access: dashboard sessions (log in, who am I, log out),
// API tokens and dashboard users, and the live feed of state changes the
// dashboard listens to. Token and user management needs a global admin.
import { z } from 'zod';
import { endpoint, scopeSchema, streamEndpoint } from './define.js';
import { appName } from './fields.js';

export const userName = z.string().regex(/^[a-z][a-z0-9._-]{0,31}$/, 'expected a user name like ana (lower-case letters, digits, . _ -; at most 32)');
export const tokenId = z.string().regex(/^[0-9a-f]{8}$/, 'expected a token id like 3f9a1c2e');
// Long enough to resist guessing, short enough that hashing it stays cheap.
export const password = z.string().min(10, 'expected a password of at least 10 characters').max(256, 'expected a password of at most 256 characters');

const tokenInfo = z.object({
  id: z.string(),
  name: z.string(),
  scope: scopeSchema,
  app: z.string().nullable(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
});

const userInfo = z.object({ name: z.string(), scope: scopeSchema, createdAt: z.string(), lastLoginAt: z.string().nullable() });

/** Who a request runs as; `csrf` is the token a session must echo in `X-CSRF-Token` on every change. */
export const sessionInfo = z.object({
  via: z.enum(['socket', 'token', 'session']),
  scope: scopeSchema,
  app: z.string().nullable(),
  user: z.string().nullable(),
  csrf: z.string().nullable(),
});

/** What changed, as it happens: enough for a page to know what to refetch. */
export const stateEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), at: z.string() }),
  z.object({ type: z.literal('deployment'), app: z.string(), env: z.string(), id: z.string(), kind: z.string(), status: z.string(), at: z.string() }),
  z.object({ type: z.literal('pipeline'), app: z.string(), env: z.string(), id: z.string(), status: z.string(), at: z.string() }),
  z.object({ type: z.literal('preview'), app: z.string(), env: z.string(), status: z.enum(['created', 'removed']), at: z.string() }),
  z.object({ type: z.literal('backup'), app: z.string(), env: z.string(), id: z.string(), status: z.enum(['taken', 'verified', 'removed']), at: z.string() }),
  z.object({ type: z.literal('cert'), app: z.string(), env: z.string(), status: z.enum(['installed', 'failed', 'removed']), at: z.string() }),
  z.object({ type: z.literal('end') }),
]);

export const authEndpoints = {
  login: endpoint({
    method: 'POST',
    path: '/v1/session',
    summary: 'log a dashboard user in: sets an http-only session cookie; 5 failures a minute from one address, then 429',
    access: 'none',
    body: z.object({ user: userName, password: z.string().min(1).max(256) }),
    response: sessionInfo,
  }),
  session: endpoint({
    method: 'GET',
    path: '/v1/session',
    summary: 'who this request runs as, with the CSRF token of a dashboard session',
    access: 'read',
    appScope: 'self',
    response: sessionInfo,
  }),
  logout: endpoint({
    method: 'DELETE',
    path: '/v1/session',
    summary: 'end this dashboard session',
    access: 'read',
    appScope: 'self',
    response: z.object({ ok: z.literal(true) }),
  }),
  tokensList: endpoint({
    method: 'GET',
    path: '/v1/tokens',
    summary: 'API tokens: id, name, scope, app, created, last used (never their values)',
    access: 'admin',
    response: z.array(tokenInfo),
  }),
  tokensCreate: endpoint({
    method: 'POST',
    path: '/v1/tokens',
    summary: 'create an API token, optionally for one app only; its value is in this response and nowhere else, ever',
    access: 'admin',
    body: z.object({
      name: z.string().regex(/^[A-Za-z0-9._ -]{1,64}$/, 'expected a label of 1-64 letters, digits, spaces, . _ -').default('default'),
      scope: scopeSchema,
      app: appName.optional(),
      expiresInDays: z.number().int().min(1).max(3650).optional(),
    }),
    response: tokenInfo.extend({ token: z.string() }),
  }),
  tokensRevoke: endpoint({
    method: 'DELETE',
    path: '/v1/tokens/:id',
    summary: 'revoke a token: requests with it are refused from now on',
    access: 'admin',
    params: z.object({ id: tokenId }),
    response: z.object({ id: z.string(), revoked: z.literal(true) }),
  }),
  usersList: endpoint({
    method: 'GET',
    path: '/v1/users',
    summary: 'dashboard users and their scope',
    access: 'admin',
    response: z.array(userInfo),
  }),
  usersAdd: endpoint({
    method: 'POST',
    path: '/v1/users',
    summary: 'add a dashboard user (or set the password and scope of an existing one); the password is kept as a scrypt hash',
    access: 'admin',
    body: z.object({ name: userName, password, scope: scopeSchema.default('admin') }),
    response: userInfo,
  }),
  usersRemove: endpoint({
    method: 'DELETE',
    path: '/v1/users/:name',
    summary: 'remove a dashboard user and end their sessions',
    access: 'admin',
    params: z.object({ name: userName }),
    response: z.object({ name: z.string(), removed: z.literal(true) }),
  }),
  events: streamEndpoint({
    method: 'GET',
    path: '/v1/events',
    summary: 'state changes as they happen (deployments, pipelines, previews); runs until the client leaves',
    access: 'read',
    appScope: 'self',
    event: stateEvent,
  }),
} as const;
