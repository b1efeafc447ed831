// Who is calling. Trust is a property of the listener, not of the request:
// the unix socket is 0600 and owned by the daemon's user, so whoever can open
// it could also read state.db — it gets full access. TCP can be reached by
// anyone on the network, so every request there needs a bearer token.
import { scopes, type Access, type Scope } from '../api/contract.js';
import { ApiError } from '../api/errors.js';
import type { Db } from '../state/db.js';
import { verifyToken } from './tokens.js';

export type Listener = 'socket' | 'tcp';

export interface Principal {
  via: 'socket' | 'token';
  scope: Scope;
  /** The token's id (never its value), for logs. */
  tokenId?: string;
}

const socketPrincipal: Principal = { via: 'socket', scope: 'admin' };

/** The principal of a request, or an `auth` ApiError (401). */
export function authenticate(db: Db, listener: Listener, authorization: string | undefined): Principal {
  if (listener === 'socket') return socketPrincipal;
  if (authorization === undefined || authorization === '') {
    throw new ApiError('auth', 'this request needs a token: send `Authorization: Bearer <token>` (create one with `calma server token create`)');
  }
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!m) throw new ApiError('auth', 'malformed Authorization header: expected `Bearer <token>`');
  const info = verifyToken(db, m[1]!);
  if (!info) throw new ApiError('auth', 'invalid or revoked token');
  return { via: 'token', scope: info.scope, tokenId: info.id };
}

/** Refuses (403) a principal whose scope is weaker than the endpoint needs. */
export function authorize(principal: Principal, access: Access): void {
  if (access === 'none') return;
  if (scopes.indexOf(principal.scope) < scopes.indexOf(access)) {
    throw new ApiError('forbidden', `this needs a token with scope "${access}" (yours is "${principal.scope}")`);
  }
}
