// The fastify application, built from the contract: one route per endpoint,
// authentication before anything else runs, every input part validated by
// the contract's zod schemas on the way in and every response (or streamed
// event) on the way out, and every failure in the wire error form.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Endpoint, JsonEndpoint } from '../api/contract.js';
import { toWireError, validationError, type FieldError } from '../api/errors.js';
import { authenticate, authorize, authorizeApp, csrfHeader, sessionCookie, type AuthDeps, type Listener, type Principal } from './auth.js';
import type { AnyHandler, Handlers, RequestContext } from './handlers.js';
import { sendStream } from './stream.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    endpoint?: Endpoint;
    /** Routes that authenticate themselves (git over HTTP, signed webhooks). */
    selfAuth?: boolean;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export interface AppOptions<A extends Record<string, Endpoint>> {
  /** Which listener this app serves: it decides how requests authenticate. */
  listener: Listener;
  auth: AuthDeps;
  log: FastifyBaseLogger;
  endpoints: A;
  handlers: Handlers<A>;
  /** Extra setup before the routes (e.g. body parsers for uploads). */
  configure?: (app: FastifyInstance) => void;
}

export async function buildApp<A extends Record<string, Endpoint>>(opts: AppOptions<A>): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: opts.log.child({ listener: opts.listener }),
    // One line per request from our onResponse hook, instead of fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    // Idle keep-alive connections must not hold close() (and so shutdown) open.
    forceCloseConnections: 'idle',
    // Behind the edge (calma server --domain) the client's address is in X-Forwarded-For, as nginx on loopback appends it.
    trustProxy: ['127.0.0.1', '::1'],
  });
  app.decorateRequest('principal', null);
  // Sessions exist only over TCP (the socket is trusted as it is); the socket-only daemon does not load the parser.
  if (opts.listener === 'tcp') await app.register((await import('@fastify/cookie')).default);
  opts.configure?.(app);

  // Before body parsing: an unauthenticated caller costs us nothing more.
  // Unknown routes need authentication too over TCP, so they reveal nothing.
  app.addHook('onRequest', async (req) => {
    const endpoint = req.routeOptions.config.endpoint;
    if (req.routeOptions.config.selfAuth) return;
    if (endpoint?.access === 'none') return;
    req.principal = authenticate(opts.auth, opts.listener, {
      method: req.method,
      authorization: req.headers.authorization,
      session: req.cookies?.[sessionCookie],
      csrf: header(req.headers[csrfHeader]),
    });
    if (endpoint) authorize(req.principal, endpoint.access);
  });

  app.addHook('onResponse', async (req, reply) => {
    const level = reply.statusCode >= 500 ? 'error' : 'info';
    // Never the headers: they may carry a token. The path without its query string.
    req.log[level]({ method: req.method, path: req.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime), via: req.principal?.via, tokenId: req.principal?.tokenId }, 'request');
  });

  app.setErrorHandler(async (err, req, reply) => {
    const { status, body } = toWireError(err);
    if (status >= 500) req.log.error({ err }, 'request failed');
    return reply.code(status).send(body);
  });

  app.setNotFoundHandler(async (req, reply) => {
    const path = req.url.split('?')[0];
    return reply.code(404).send({ error: { kind: 'not_found', message: `no such endpoint: ${req.method} ${path}` } });
  });

  for (const [name, endpoint] of Object.entries(opts.endpoints)) {
    const handler = (opts.handlers as Record<string, AnyHandler>)[name];
    if (!handler) throw new Error(`no handler for endpoint "${name}"`);
    app.route({
      method: endpoint.method,
      url: endpoint.path,
      config: { endpoint },
      handler: async (req, reply) => {
        const input = parseInput(endpoint, req);
        if (req.principal) authorizeApp(req.principal, endpoint, input.params);
        const ctx: RequestContext = { principal: req.principal ?? anonymous, log: req.log, signal: clientGone(reply), address: req.ip, cookies: sessionCookies(reply, opts.listener, req) };
        if (endpoint.kind === 'stream') return sendStream(endpoint, handler, input, ctx, req, reply);
        return sendJson(endpoint, handler, input, ctx, reply);
      },
    });
  }
  await app.ready();
  return app;
}

// What handlers of open endpoints (health, login) see as the caller.
const anonymous: Principal = { via: 'token', scope: 'read', app: null, user: null };

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/**
 * The session cookie: http-only (no script reads it), SameSite=Strict (no
 * other site's page sends it), Secure when the request came over HTTPS
 * (through the edge, which says so in X-Forwarded-Proto).
 */
function sessionCookies(reply: FastifyReply, listener: Listener, req: FastifyRequest): RequestContext['cookies'] {
  // Over the socket there is no browser and no cookie parser: a session there has nothing to be kept in.
  if (listener === 'socket') return { setSession: () => undefined, clearSession: () => undefined };
  const secure = listener === 'tcp' && (req.protocol === 'https' || req.headers['x-forwarded-proto'] === 'https');
  const base = { path: '/', httpOnly: true, sameSite: 'strict' as const, secure };
  return {
    setSession: (id, maxAgeMs) => void reply.setCookie(sessionCookie, id, { ...base, maxAge: Math.floor(maxAgeMs / 1000) }),
    clearSession: () => void reply.clearCookie(sessionCookie, base),
  };
}

/** A signal aborted if the connection closes before the response was fully sent. */
function clientGone(reply: FastifyReply): AbortSignal {
  const ac = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) ac.abort(new Error('the client went away'));
  });
  return ac.signal;
}

/** Every part the endpoint declares, parsed; all their problems together, with paths like `query.count`. */
function parseInput(endpoint: Endpoint, req: FastifyRequest): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  const fields: FieldError[] = [];
  const parts: Array<['params' | 'query' | 'body', z.ZodType | undefined, unknown]> = [
    ['params', endpoint.params, req.params],
    ['query', endpoint.query, req.query],
    ['body', endpoint.body, req.body],
  ];
  for (const [part, schema, raw] of parts) {
    if (!schema) continue;
    const r = schema.safeParse(raw ?? (part === 'body' ? undefined : {}));
    if (r.success) input[part] = r.data;
    else for (const issue of r.error.issues) fields.push({ path: [part, ...issue.path.map(String)].join('.'), message: issue.message });
  }
  if (fields.length > 0) throw validationError(fields);
  return input;
}

async function sendJson(endpoint: JsonEndpoint, handler: AnyHandler, input: Record<string, unknown>, ctx: RequestContext, reply: FastifyReply): Promise<FastifyReply> {
  const result = await handler(input, ctx, async () => undefined);
  // A response outside the contract is a daemon bug: 500 here, rather than a confused client.
  const checked = endpoint.response.safeParse(result);
  if (!checked.success) throw new Error(`the response of ${endpoint.method} ${endpoint.path} breaks the contract: ${checked.error.message}`);
  return reply.code(200).send(checked.data);
}
