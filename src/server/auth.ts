// Who is calling. Trust is a property of the listener, not of the request:
// the unix socket is 0600 and owned by the daemon's user, so whoever can open
// it could also read state.db — it gets full access. TCP can be reached by
// anyone on the network, so every request there needs a bearer token or a
// dashboard session (a cookie, plus the session's CSRF token on every change:
// a cookie is sent by the browser on its own, a header only by our page).
import { timingSafeEqual } from 'node:crypto';
import { scopes, type Access, type Endpoint, type Scope } from '../api/contract.js';
import { ApiError } from '../api/errors.js';
import type { Db } from '../state/db.js';
import type { Sessions } from '../state/sessions.js';
import type { Users } from '../state/users.js';
import { verifyToken } from './tokens.js';

export type Listener = 'socket' | 'tcp';

export const sessionCookie = 'calma_session';
export const csrfHeader = 'x-csrf-token';

export interface Principal {
  via: 'socket' | 'token' | 'session';
  scope: Scope;
  /** Set for a token made for one app: it sees and changes that app only. */
  app: string | null;
  /** The dashboard user of a session. */
  user: string | null;
  /** The token's id (never its value), for logs. */
  tokenId?: string;
  /** A session's id (from its cookie) and CSRF token. */
  session?: { id: string; csrf: string };
}

export interface AuthDeps {
  db: Db;
  users: Users;
  sessions: Sessions;
}

/** What a request brings to be authenticated. */
export interface Credentials {
  method: string;
  authorization: string | undefined;
  /** The session cookie's value. */
  session: string | undefined;
  csrf: string | undefined;
}

const socketPrincipal: Principal = { via: 'socket', scope: 'admin', app: null, user: null };
const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The principal of a request, or an `auth` (401) / `forbidden` (403) ApiError. */
export function authenticate(deps: AuthDeps, listener: Listener, c: Credentials): Principal {
  if (listener === 'socket') return socketPrincipal;
  if (c.authorization !== undefined && c.authorization !== '') return fromToken(deps.db, c.authorization);
  if (c.session) return fromSession(deps, c);
  throw new ApiError('auth', 'this request needs a token (`Authorization: Bearer <token>`, create one with `calma tokens create`) or a dashboard session');
}

function fromToken(db: Db, authorization: string): Principal {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!m) throw new ApiError('auth', 'malformed Authorization header: expected `Bearer <token>`');
  const info = verifyToken(db, m[1]!);
  if (!info) throw new ApiError('auth', 'invalid, expired or revoked token');
  return { via: 'token', scope: info.scope, app: info.app, user: null, tokenId: info.id };
}

function fromSession(deps: AuthDeps, c: Credentials): Principal {
  const session = deps.sessions.find(c.session!);
  const user = session && deps.users.get(session.user);
  if (!session || !user) throw new ApiError('auth', 'your session has ended: log in again');
  if (!safeMethods.has(c.method.toUpperCase()) && !sameSecret(c.csrf, session.csrf)) {
    throw new ApiError('forbidden', `missing or wrong CSRF token: a change made with a session must send the ${csrfHeader} header`);
  }
  return { via: 'session', scope: user.scope, app: null, user: user.name, session: { id: c.session!, csrf: session.csrf } };
}

function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Refuses (403) a principal whose scope is weaker than the endpoint needs. */
export function authorize(principal: Principal, access: Access): void {
  if (access === 'none') return;
  if (scopes.indexOf(principal.scope) < scopes.indexOf(access)) {
    throw new ApiError('forbidden', `this needs the "${access}" scope (yours is "${principal.scope}")`);
  }
}

/**
 * Keeps an app-scoped principal inside its app: an endpoint about one app
 * (`:app` in its path) must name that app; an endpoint that limits itself
 * (`appScope: 'self'`, e.g. status lists only the principal's app) is let
 * through; every other endpoint (tokens, users…) is refused.
 */
export function authorizeApp(principal: Principal, endpoint: Endpoint, params: unknown): void {
  if (principal.app === null || endpoint.access === 'none') return;
  const app = (params as { app?: unknown } | undefined)?.app;
  if (typeof app === 'string') {
    if (app !== principal.app) throw new ApiError('forbidden', `this token is for the app ${principal.app} only`);
    return;
  }
  if (endpoint.appScope !== 'self') throw new ApiError('forbidden', `this token is for the app ${principal.app} only; this needs a token for every app`);
}

/** For handlers that limit themselves: refuses an app-scoped principal an app other than its own. */
export function requireApp(principal: Principal, app: string): void {
  if (principal.app !== null && principal.app !== app) throw new ApiError('forbidden', `this token is for the app ${principal.app} only`);
}

/** Who did something, for the history: a user, a token's name, or the local socket. */
export function actorOf(principal: Principal): string {
  if (principal.via === 'session') return `user ${principal.user}`;
  if (principal.via === 'token') return `token ${principal.tokenId}`;
  return 'local';
}
