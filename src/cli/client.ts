// The CLI's client of the daemon, typed by the same contract the daemon
// serves. Over the unix socket by default (no token: the file's permissions
// are the access control), or over TCP with a token when CALMA_URL is set.
// Responses are validated again here, and wire errors become calma's own
// error classes, so the CLI's one handler prints them like local errors.
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import https from 'node:https';
import { join } from 'node:path';
import { createReadStream } from 'node:fs';
import { TAR_CONTENT_TYPE, UploadedArchive } from '../api/upload.js';
import { pathOf, type Event, type Input, type JsonEndpoint, type Output, type StreamEndpoint } from '../api/contract.js';
import { DaemonInternalError, fromWireError, wireErrorSchema } from '../api/errors.js';
import { UnavailableError } from '../errors.js';
import { calmaHome } from '../state/home.js';
import { lines, parseJson } from '../api/ndjson.js';

export interface ClientOptions {
  /** The daemon's unix socket. Ignored when `url` is given. */
  socketPath?: string;
  /** e.g. http://10.0.0.5:7070 — the daemon's TCP listener (`calma server --listen`). */
  url?: string;
  token?: string;
}

type AnyInput = { params?: unknown; query?: unknown; body?: unknown };

/** Lets callers omit the input of endpoints that need none. */
type InputArgs<E extends JsonEndpoint | StreamEndpoint> = {} extends Input<E> ? [input?: Input<E>] : [input: Input<E>];

export interface ApiClient {
  /** Where requests go (socket path or URL), for messages. */
  readonly target: string;
  call<E extends JsonEndpoint>(endpoint: E, ...input: InputArgs<E>): Promise<Output<E>>;
  /** Calls onEvent for each event in order; resolves with the final `end` event. */
  stream<E extends StreamEndpoint>(endpoint: E, input: Input<E> | undefined, onEvent: (event: Event<E>) => void | Promise<void>): Promise<Event<E>>;
  /** An HTTP upgrade to a raw two-way stream (interactive exec). */
  upgrade(path: string, protocol: string): Promise<{ socket: Duplex; headers: IncomingHttpHeaders }>;
}

/** CALMA_URL (+ CALMA_TOKEN) for a remote daemon, else the socket under CALMA_HOME. */
export function clientFromEnv(env: NodeJS.ProcessEnv = process.env): ApiClient {
  if (env.CALMA_URL) return createClient({ url: env.CALMA_URL, ...(env.CALMA_TOKEN ? { token: env.CALMA_TOKEN } : {}) });
  return createClient({ socketPath: join(calmaHome(env), 'calma.sock') });
}

export function createClient(opts: ClientOptions): ApiClient {
  const base = opts.url ? new URL(opts.url) : undefined;
  const target = base ? base.origin : (opts.socketPath ?? join(calmaHome(), 'calma.sock'));
  const unreachable = (): UnavailableError => new UnavailableError(`cannot reach the calma daemon at ${target}: is \`calma server\` running?`);

  const where = (path: string) =>
    base ? { protocol: base.protocol, hostname: base.hostname, port: base.port, path: base.pathname.replace(/\/$/, '') + path } : { socketPath: target, path };

  const send = (endpoint: JsonEndpoint | StreamEndpoint, input: AnyInput | undefined): Promise<IncomingMessage> => {
    const path = pathOf(endpoint, input?.params as Record<string, string> | undefined) + queryString(input?.query);
    // An archive travels as itself (streamed from its file), everything else as JSON.
    const archive = input?.body instanceof UploadedArchive ? input.body : undefined;
    const body = input?.body === undefined || archive ? undefined : JSON.stringify(input.body);
    const headers: Record<string, string> = { accept: 'application/json, application/x-ndjson' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (archive) Object.assign(headers, { 'content-type': TAR_CONTENT_TYPE, 'content-length': String(archive.bytes) });
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    return new Promise((resolve, reject) => {
      // agent: false — a fresh connection per request. A kept-alive one may point at a daemon that has since
      // stopped (EPIPE on reuse), and the CLI makes too few requests for pooling to matter.
      const req = (base?.protocol === 'https:' ? https : http).request({ ...where(path), method: endpoint.method, headers, agent: false }, resolve);
      req.on('error', (e: NodeJS.ErrnoException) => reject(unreachableCodes.has(e.code ?? '') ? unreachable() : e));
      if (archive) createReadStream(archive.path).on('error', (e) => req.destroy(e)).pipe(req);
      else req.end(body);
    });
  };

  /** An answer with an error status → the matching calma error. */
  const failure = async (res: IncomingMessage): Promise<Error> => {
    const text = await readAll(res);
    const wire = wireErrorSchema.safeParse(parseJson(text));
    if (wire.success) return fromWireError(wire.data, res.statusCode);
    // Not a calma daemon speaking (a proxy's error page, another service on that port).
    return new UnavailableError(`the calma daemon at ${target} answered ${res.statusCode} ${res.statusMessage ?? ''}`.trim());
  };

  const mismatch = (endpoint: JsonEndpoint | StreamEndpoint, detail: string): DaemonInternalError =>
    new DaemonInternalError(`the daemon's answer to ${endpoint.method} ${endpoint.path} does not match this calma's API (is the daemon another version?): ${detail}`);

  return {
    target,
    upgrade(path, protocol) {
      const headers: Record<string, string> = { connection: 'Upgrade', upgrade: protocol };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      return new Promise((resolve, reject) => {
        const req = (base?.protocol === 'https:' ? https : http).request({ ...where(path), method: 'GET', headers, agent: false });
        req.on('upgrade', (res, socket, head) => {
          if (head.length > 0) socket.unshift(head);
          resolve({ socket, headers: res.headers });
        });
        req.on('response', (res) => failure(res).then(reject, reject));
        req.on('error', (e: NodeJS.ErrnoException) => reject(unreachableCodes.has(e.code ?? '') ? unreachable() : e));
        req.end();
      });
    },
    async call(endpoint, ...[input]) {
      const res = await send(endpoint, input);
      if ((res.statusCode ?? 500) >= 400) throw await failure(res);
      const parsed = endpoint.response.safeParse(parseJson(await readAll(res)));
      if (!parsed.success) throw mismatch(endpoint, parsed.error.message);
      return parsed.data as Output<typeof endpoint>;
    },
    async stream(endpoint, input, onEvent) {
      const res = await send(endpoint, input);
      if ((res.statusCode ?? 500) >= 400) throw await failure(res);
      const cut = (): UnavailableError => new UnavailableError(`the calma daemon at ${target} closed the stream before its end (did it stop?)`);
      for await (const line of lines(res, cut)) {
        const value = parseJson(line);
        // The convention: a line without `type` but with `error` is a failure that ends the stream.
        const wire = wireErrorSchema.safeParse(value);
        if (wire.success && (value as { type?: unknown }).type === undefined) throw fromWireError(wire.data);
        const event = endpoint.event.safeParse(value);
        if (!event.success) throw mismatch(endpoint, event.error.message);
        await onEvent(event.data as Event<typeof endpoint>);
        if (event.data.type === 'end') return event.data as Event<typeof endpoint>;
      }
      throw cut();
    },
  };
}

// Nothing listens (refused), no socket file (ENOENT), the host cannot be reached,
// or the daemon dropped the connection before answering (it is stopping).
const unreachableCodes = new Set(['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'ETIMEDOUT', 'EAI_AGAIN']);

function queryString(query: unknown): string {
  if (query === undefined || query === null) return '';
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query as Record<string, unknown>)) {
    if (v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v]) qs.append(k, String(item));
  }
  const s = qs.toString();
  return s === '' ? '' : `?${s}`;
}

async function readAll(res: IncomingMessage): Promise<string> {
  res.setEncoding('utf8');
  let text = '';
  for await (const chunk of res) text += chunk as string;
  return text;
}
