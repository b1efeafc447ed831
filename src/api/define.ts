// How endpoints of calma's typed HTTP API are declared, shared by the daemon (which
// validates requests on the way in and responses on the way out), the CLI's
// client (which validates responses again) and, later, the dashboard.
// Adding an endpoint means adding an entry to one of the endpoint files (the
// `api` object of contract.ts gathers them) and a handler in
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
//           A request with `Accept: text/event-stream` gets the same events as
//           Server-Sent Events (`data: <json>` blocks) for browsers' EventSource.
import { z } from 'zod';

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
  /** 'self': the handler limits itself to an app-scoped caller's app (lists, streams by id). */
  appScope?: 'self';
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
