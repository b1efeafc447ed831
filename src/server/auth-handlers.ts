// Handlers of access: dashboard log in and out, tokens, users, and the live
// feed of state changes.
import type { Api } from '../api/contract.js';
import { ApiError } from '../api/errors.js';
import type { StateFeed, StateEvent } from '../state/feed.js';
import type { Sessions } from '../state/sessions.js';
import { sessionLifetimeMs } from '../state/sessions.js';
import type { Users } from '../state/users.js';
import type { Db } from '../state/db.js';
import type { LoginLimiter } from './login-limit.js';
import type { Handlers } from './handlers.js';
import { createToken, listTokens, revokeToken } from './tokens.js';

export interface AuthHandlerDeps {
  db: Db;
  users: Users;
  sessions: Sessions;
  limiter: LoginLimiter;
  feed: StateFeed;
}

type AuthApi = Pick<Api, 'login' | 'session' | 'logout' | 'tokensList' | 'tokensCreate' | 'tokensRevoke' | 'usersList' | 'usersAdd' | 'usersRemove' | 'events'>;

export function authHandlers(deps: AuthHandlerDeps): Handlers<AuthApi> {
  return {
    login: async ({ body }, ctx) => {
      deps.limiter.check(ctx.address);
      const user = await deps.users.verify(body.user, body.password);
      if (!user) {
        deps.limiter.fail(ctx.address);
        ctx.log.warn({ user: body.user, address: ctx.address }, 'failed login');
        throw new ApiError('auth', 'wrong user name or password');
      }
      deps.limiter.succeed(ctx.address);
      const { id, session } = deps.sessions.open(user.name);
      ctx.cookies.setSession(id, sessionLifetimeMs);
      ctx.log.info({ user: user.name }, 'logged in');
      return { via: 'session' as const, scope: user.scope, app: null, user: user.name, csrf: session.csrf };
    },
    session: (_input, ctx) => ({ via: ctx.principal.via, scope: ctx.principal.scope, app: ctx.principal.app, user: ctx.principal.user, csrf: ctx.principal.session?.csrf ?? null }),
    logout: (_input, ctx) => {
      if (ctx.principal.session) deps.sessions.close(ctx.principal.session.id);
      ctx.cookies.clearSession();
      return { ok: true as const };
    },
    tokensList: () => listTokens(deps.db),
    tokensCreate: ({ body }) => createToken(deps.db, body),
    tokensRevoke: ({ params }) => {
      revokeToken(deps.db, params.id);
      return { id: params.id, revoked: true as const };
    },
    usersList: () => deps.users.list(),
    usersAdd: ({ body }) => deps.users.set(body.name, body.password, body.scope),
    usersRemove: ({ params }) => {
      deps.users.remove(params.name);
      return { name: params.name, removed: true as const };
    },
    events: async (_input, ctx, emit) => {
      const mine = (e: StateEvent): boolean => ctx.principal.app === null || e.app === ctx.principal.app;
      let chain = emit({ type: 'hello', at: new Date().toISOString() });
      const stop = deps.feed.subscribe((e) => {
        if (mine(e)) chain = chain.then(() => emit(e));
      });
      try {
        await chain;
        // Until the client leaves (or the daemon stops): a rejected emit means it is gone.
        await new Promise<void>((resolve) => {
          if (ctx.signal.aborted) return resolve();
          ctx.signal.addEventListener('abort', () => resolve(), { once: true });
        });
      } finally {
        stop();
      }
      await chain.catch(() => undefined);
    },
  };
}
