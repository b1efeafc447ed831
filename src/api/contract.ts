// The one typed contract of calma's HTTP API, shared by the daemon (which
// validates requests on the way in and responses on the way out), the CLI's
// client (which validates responses again) and, later, the dashboard.
// Adding an endpoint means adding an entry to `api` below and a handler in
// src/server/routes.ts; the compiler then checks both sides agree.
//
// Two kinds of endpoints:
// - json:   one JSON response body validated by `response`.
// - stream: `application/x-ndjson`, one JSON event per line, each validated by
//           `event`. Every event has a `type`; the last one of a stream is
//           always `{ type: 'end', … }`, so a client can tell a finished stream
//           from a daemon that died half-way. A failure after the stream has
//           begun is sent as one line in the wire error form (`{ error: … }`,
//           no `type`) and ends the stream. Deploy progress uses this pattern.
import { z } from 'zod';
import { UploadedArchive } from './upload.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What a token may do, weakest first; a stronger scope includes the weaker ones. */
export const scopes = ['read', 'deploy', 'admin'] as const;
export const scopeSchema = z.enum(scopes);
export type Scope = z.infer<typeof scopeSchema>;

/** 'none': anyone who can reach the daemon may call it (health). Otherwise the least scope needed. */
export type Access = 'none' | Scope;

interface EndpointBase {
  method: Method;
  /** fastify-style path; `:name` segments are filled from `params`. */
  path: string;
  summary: string;
  access: Access;
  params?: z.ZodType<Record<string, string>>;
  /** Query values travel as strings: use schemas that parse strings (z.coerce.number(), z.enum…). */
  query?: z.ZodType<Record<string, unknown>>;
  body?: z.ZodType;
}

export interface JsonEndpoint extends EndpointBase {
  kind: 'json';
  response: z.ZodType;
}

export interface StreamEndpoint extends EndpointBase {
  kind: 'stream';
  event: z.ZodType<{ type: string }>;
}

export type Endpoint = JsonEndpoint | StreamEndpoint;

/** Declares a JSON endpoint, keeping its literal types for the client and the handlers. */
export function endpoint<const E extends Omit<JsonEndpoint, 'kind'>>(e: E): E & { kind: 'json' } {
  return { ...e, kind: 'json' };
}

/** Declares an NDJSON streaming endpoint (see the convention above). */
export function streamEndpoint<const E extends Omit<StreamEndpoint, 'kind'>>(e: E): E & { kind: 'stream' } {
  return { ...e, kind: 'stream' };
}

export const ndjsonContentType = 'application/x-ndjson';

// ---- the types both sides derive from an endpoint ----

// A part whose every field is optional (e.g. a query with defaults) may be left out by callers.
type Part<E, K extends 'params' | 'query' | 'body', Out extends boolean> = E extends { [P in K]: infer S extends z.ZodType }
  ? Out extends true
    ? { [P in K]: z.output<S> }
    : {} extends z.input<S>
      ? { [P in K]?: z.input<S> }
      : { [P in K]: z.input<S> }
  : { [P in K]?: undefined };

/** What a caller passes: each part as its schema accepts it (query values are sent as their String()). */
export type Input<E extends Endpoint> = Part<E, 'params', false> & Part<E, 'query', false> & Part<E, 'body', false>;

/** What a handler receives: every part already validated and parsed. */
export type Parsed<E extends Endpoint> = Part<E, 'params', true> & Part<E, 'query', true> & Part<E, 'body', true>;

export type Output<E extends JsonEndpoint> = z.output<E['response']>;
export type Event<E extends StreamEndpoint> = z.output<E['event']>;

/**
 * A number in a query string. Its input type is `number | string`, so callers
 * pass numbers and the daemon parses the string it receives; `target` adds the
 * bounds. (z.coerce would type the input as unknown and accept "" as 0.)
 */
export function queryNumber<T extends z.ZodNumber>(target: T) {
  return z
    .union([z.number(), z.string()])
    .transform((v, ctx) => {
      const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
      if (typeof n === 'number' && !Number.isNaN(n)) return n;
      ctx.issues.push({ code: 'custom', message: `expected a number, got ${JSON.stringify(v)}`, input: v });
      return z.NEVER;
    })
    .pipe(target);
}

/** Fills `:name` segments of an endpoint's path. */
export function pathOf(e: Endpoint, params: Record<string, string> | undefined): string {
  return e.path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_, name: string) => {
    const v = params?.[name];
    if (v === undefined) throw new Error(`missing path parameter "${name}" for ${e.method} ${e.path}`);
    return encodeURIComponent(v);
  });
}

// ---- the endpoints ----

const appName = z.string().regex(/^[a-z](?:[a-z0-9-]{0,38}[a-z0-9])?$/, 'expected an app name like shop');
const envName = z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'expected an environment name like production');

const secretName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name like DATABASE_PASSWORD');

/** Progress of a deployment (deploy and rollback alike). */
const deployEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('phase'), name: z.string(), detail: z.string() }),
  z.object({ type: z.literal('log'), line: z.string() }),
  z.object({ type: z.literal('result'), deploymentId: z.string(), image: z.string(), version: z.string(), urls: z.array(z.string()) }),
  z.object({ type: z.literal('end') }),
]);

export const api = {
  health: endpoint({
    method: 'GET',
    path: '/v1/health',
    summary: 'is the daemon up, and which version',
    access: 'none',
    response: z.object({ ok: z.literal(true), version: z.string() }),
  }),
  whoami: endpoint({
    method: 'GET',
    path: '/v1/whoami',
    summary: 'how this request was authenticated and with which scope',
    access: 'read',
    response: z.object({ via: z.enum(['socket', 'token']), scope: scopeSchema }),
  }),
  ping: streamEndpoint({
    method: 'GET',
    path: '/v1/events/ping',
    summary: 'streams `count` ticks then an end event: the smallest example of a stream',
    access: 'read',
    query: z.object({ count: queryNumber(z.number().int().min(0).max(1000)).default(3) }),
    event: z.discriminatedUnion('type', [
      z.object({ type: z.literal('tick'), n: z.number().int() }),
      z.object({ type: z.literal('end') }),
    ]),
  }),
  deploy: streamEndpoint({
    method: 'POST',
    path: '/v1/deploy',
    summary: 'build, test and tag the uploaded app directory (a tar), then deploy it to an environment, streaming progress',
    access: 'deploy',
    query: z.object({
      env: envName.default('production'),
      // The client's git facts about the directory it sent (the upload carries no .git).
      commit: z.string().regex(/^[0-9a-f]{40}$/, 'expected a full commit sha').optional(),
      branch: z.string().max(255).optional(),
      tags: z.string().max(4096).optional(),
      dirty: z.enum(['0', '1']).optional(),
    }),
    body: z.instanceof(UploadedArchive, { message: 'expected the app directory as an application/x-tar body' }),
    event: deployEvent,
  }),
  rollback: streamEndpoint({
    method: 'POST',
    path: '/v1/apps/:app/rollback',
    summary: 'deploy the previous (or the named) release again, health-gated like any deployment',
    access: 'deploy',
    params: z.object({ app: appName }),
    body: z.object({ env: envName.default('production'), release: z.string().max(80).optional() }),
    event: deployEvent,
  }),
  releases: endpoint({
    method: 'GET',
    path: '/v1/apps/:app/releases',
    summary: 'the releases that went live in an environment, the current one first',
    access: 'read',
    params: z.object({ app: appName }),
    query: z.object({ env: envName.default('production') }),
    response: z.array(
      z.object({ version: z.string(), image: z.string(), commit: z.string(), branch: z.string(), deployedAt: z.string(), current: z.boolean(), available: z.boolean() }),
    ),
  }),
  deployments: endpoint({
    method: 'GET',
    path: '/v1/apps/:app/deployments',
    summary: 'recent deployments with each step and its timing',
    access: 'read',
    params: z.object({ app: appName }),
    query: z.object({ env: envName.optional() }),
    response: z.array(
      z.object({
        id: z.string(),
        env: z.string(),
        kind: z.string(),
        status: z.string(),
        reason: z.string().nullable(),
        version: z.string(),
        startedAt: z.string(),
        finishedAt: z.string().nullable(),
        steps: z.array(z.object({ step: z.string(), status: z.string(), ms: z.number().nullable() })),
      }),
    ),
  }),
  status: endpoint({
    method: 'GET',
    path: '/v1/status',
    summary: 'every app and environment: the release serving and its containers',
    access: 'read',
    response: z.array(
      z.object({
        app: z.string(),
        env: z.string(),
        version: z.string().nullable(),
        containers: z.array(z.object({ name: z.string(), state: z.string() })),
        lastDeployment: z.object({ id: z.string(), status: z.string(), reason: z.string().nullable() }).nullable(),
      }),
    ),
  }),
  secretsList: endpoint({
    method: 'GET',
    path: '/v1/apps/:app/secrets',
    summary: "the names of an app's secrets (never their values)",
    access: 'read',
    params: z.object({ app: appName }),
    response: z.array(z.object({ name: z.string(), updatedAt: z.string() })),
  }),
  secretsSet: endpoint({
    method: 'PUT',
    path: '/v1/apps/:app/secrets/:name',
    summary: 'set a secret; stored encrypted, used from the next deployment on',
    access: 'deploy',
    params: z.object({ app: appName, name: secretName }),
    body: z.object({ value: z.string().max(65536) }),
    response: z.object({ name: z.string(), updatedAt: z.string() }),
  }),
  secretsUnset: endpoint({
    method: 'DELETE',
    path: '/v1/apps/:app/secrets/:name',
    summary: 'remove a secret',
    access: 'deploy',
    params: z.object({ app: appName, name: secretName }),
    response: z.object({ name: z.string(), removed: z.boolean() }),
  }),
  logs: streamEndpoint({
    method: 'GET',
    path: '/v1/apps/:app/logs',
    summary: "the output of the serving release's containers; with follow, until the client leaves",
    access: 'read',
    params: z.object({ app: appName }),
    query: z.object({ env: envName.default('production'), follow: z.enum(['0', '1']).default('0'), tail: queryNumber(z.number().int().min(0).max(100000)).default(100) }),
    event: z.discriminatedUnion('type', [z.object({ type: z.literal('line'), container: z.string(), line: z.string() }), z.object({ type: z.literal('end') })]),
  }),
  exec: streamEndpoint({
    method: 'POST',
    path: '/v1/apps/:app/exec',
    summary: 'run a command in a container of the serving release and stream its output',
    access: 'deploy',
    params: z.object({ app: appName }),
    body: z.object({ env: envName.default('production'), command: z.array(z.string()).min(1).max(256) }),
    event: z.discriminatedUnion('type', [
      z.object({ type: z.literal('output'), data: z.string() }),
      z.object({ type: z.literal('exit'), code: z.number().int() }),
      z.object({ type: z.literal('end') }),
    ]),
  }),
  execStatus: endpoint({
    method: 'GET',
    path: '/v1/exec/:id',
    summary: 'whether an interactive exec still runs, and its exit code',
    access: 'deploy',
    params: z.object({ id: z.string().regex(/^[0-9a-f]{64}$/, 'expected an exec id') }),
    response: z.object({ running: z.boolean(), exitCode: z.number().int().nullable() }),
  }),
  appsRemove: endpoint({
    method: 'DELETE',
    path: '/v1/apps/:app',
    summary: 'remove an app: its containers and routes, and with volumes=1 its named volumes',
    access: 'admin',
    params: z.object({ app: appName }),
    query: z.object({ volumes: z.enum(['0', '1']).default('0') }),
    response: z.object({ containers: z.number(), routes: z.number(), volumes: z.array(z.string()) }),
  }),
} as const;

export type Api = typeof api;
