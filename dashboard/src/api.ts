// The dashboard's client of calma's typed API. Inputs and outputs are the types
// of the contract's zod schemas (src/api), so a call that does not match what
// the daemon validates fails to compile. Only the types are imported: the
// schemas stay on the daemon and the bundle stays small.
import type { Event, Input, JsonEndpoint, Output, StreamEndpoint } from '../../src/api/contract.js';
import { routes, type Api } from './routes.js';

type Name = keyof typeof routes;
export type JsonName = { [K in Name]: Api[K] extends JsonEndpoint ? K : never }[Name];
export type StreamName = { [K in Name]: Api[K] extends StreamEndpoint ? K : never }[Name];
export type Out<K extends JsonName> = Api[K] extends JsonEndpoint ? Output<Api[K]> : never;
export type Ev<K extends StreamName> = Api[K] extends StreamEndpoint ? Event<Api[K]> : never;
export type In<K extends Name> = Input<Api[K]>;

/** A refusal or failure as the daemon described it (`{ error: { kind, message, fields } }`). */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly kind: string,
    message: string,
    readonly fields: ReadonlyArray<{ path: string; message: string }> = [],
  ) {
    super(message);
  }
}

let csrf: string | null = null;
/** The session's CSRF token, echoed on every state-changing request. */
export function setCsrf(token: string | null): void {
  csrf = token;
}

let onUnauthorized: () => void = () => undefined;
/** What to do when the session has ended (expired, logged out elsewhere): show the login form. */
export function whenUnauthorized(f: () => void): void {
  onUnauthorized = f;
}

type Parts = { params?: Record<string, string>; query?: Record<string, unknown>; body?: unknown };

/** The URL of an endpoint with its `:name` segments and query filled in. */
export function urlOf<K extends Name>(name: K, input: In<K>): string {
  const { params, query } = input as Parts;
  const path = routes[name].path.replace(/:([A-Za-z_]\w*)/g, (_, p: string) => {
    const v = params?.[p];
    if (v === undefined) throw new Error(`missing path parameter ${p} for ${name}`);
    return encodeURIComponent(v);
  });
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) q.set(k, String(v));
  const qs = q.toString();
  return qs ? `${path}?${qs}` : path;
}

async function send<K extends Name>(name: K, input: In<K>, accept: string): Promise<Response> {
  const { method } = routes[name];
  const { body } = input as Parts;
  const headers: Record<string, string> = { accept };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['x-csrf-token'] = csrf;
  const res = await fetch(urlOf(name, input), {
    method,
    headers,
    credentials: 'same-origin',
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (!res.ok) throw await failureOf(res, name);
  return res;
}

async function failureOf(res: Response, name: string): Promise<ApiFailure> {
  let failure: ApiFailure;
  try {
    const { error } = (await res.json()) as { error: { kind: string; message: string; fields?: Array<{ path: string; message: string }> } };
    failure = new ApiFailure(res.status, error.kind, error.message, error.fields);
  } catch {
    failure = new ApiFailure(res.status, 'internal', `${name}: the daemon answered ${res.status} ${res.statusText}`);
  }
  if (res.status === 401 && name !== 'login') onUnauthorized();
  return failure;
}

/** Calls a JSON endpoint. */
export async function call<K extends JsonName>(name: K, input: In<K>): Promise<Out<K>> {
  const res = await send(name, input, 'application/json');
  return (await res.json()) as Out<K>;
}

function lineEvent<T>(line: string): T {
  const ev = JSON.parse(line) as T | { error: { kind: string; message: string } };
  // A failure after the stream began comes as one line in the wire error form.
  if (typeof ev === 'object' && ev !== null && 'error' in ev) throw new ApiFailure(200, ev.error.kind, ev.error.message);
  return ev as T;
}

/**
 * Calls a streaming endpoint (NDJSON: one event a line) and hands each event
 * to `onEvent` as it arrives; resolves after the `end` event.
 */
export async function stream<K extends StreamName>(name: K, input: In<K>, onEvent: (e: Ev<K>) => void, signal?: AbortSignal): Promise<void> {
  const res = await send(name, input, 'application/x-ndjson');
  if (!res.body) throw new ApiFailure(res.status, 'internal', `${name}: empty stream`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const abort = (): void => void reader.cancel();
  signal?.addEventListener('abort', abort);
  let rest = '';
  let ended = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      rest += value;
      let nl: number;
      while ((nl = rest.indexOf('\n')) >= 0) {
        const line = rest.slice(0, nl).trim();
        rest = rest.slice(nl + 1);
        if (line === '') continue;
        const ev = lineEvent<Ev<K>>(line);
        if (ev.type === 'end') ended = true;
        onEvent(ev);
      }
    }
  } finally {
    signal?.removeEventListener('abort', abort);
  }
  if (!ended && !signal?.aborted) throw new ApiFailure(0, 'internal', `${name}: the stream stopped before its end (did the daemon restart?)`);
}

/**
 * Follows a streaming endpoint as Server-Sent Events (the daemon sends any
 * stream so when asked with Accept: text/event-stream, which EventSource does).
 * Returns a function that closes it. After an `end` event it closes itself:
 * otherwise EventSource would reconnect and replay the stream.
 */
export function follow<K extends StreamName>(
  name: K,
  input: In<K>,
  handlers: { event: (e: Ev<K>) => void; error?: (message: string) => void; open?: () => void; retrying?: () => void },
): () => void {
  const source = new EventSource(urlOf(name, input), { withCredentials: false });
  source.onopen = () => handlers.open?.();
  source.onmessage = (m: MessageEvent<string>) => {
    let ev: Ev<K>;
    try {
      ev = lineEvent<Ev<K>>(m.data);
    } catch (e) {
      source.close();
      handlers.error?.((e as Error).message);
      return;
    }
    if (ev.type === 'end') source.close();
    handlers.event(ev);
  };
  source.onerror = () => {
    // CLOSED: refused (401, 404…) and not retried; CONNECTING: the browser retries by itself.
    if (source.readyState === EventSource.CLOSED) handlers.error?.(`${name}: the live feed was refused or lost`);
    else handlers.retrying?.();
  };
  return () => source.close();
}

/** A message for any thrown value, for the page to show. */
export function messageOf(e: unknown): string {
  if (e instanceof ApiFailure) return e.message;
  if (e instanceof TypeError) return `the daemon cannot be reached (${e.message})`;
  return e instanceof Error ? e.message : String(e);
}

/** Who is logged in, with the CSRF token state changes echo. */
export type Session = Out<'session'>;

const scopeRank = { read: 0, deploy: 1, admin: 2 } as const;
/** Whether the session may do what needs `scope` (the daemon refuses anyway; this hides buttons that would fail). */
export function can(session: Session, scope: keyof typeof scopeRank): boolean {
  return scopeRank[session.scope] >= scopeRank[scope];
}
