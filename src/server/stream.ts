// The daemon's half of the NDJSON streaming convention (see api/contract.ts).
// The status line is held back until the first event: a handler that fails
// before emitting anything (unknown app, a lock held) still answers with a
// proper status and wire error. After that, a failure becomes one final
// `{ error: … }` line, since the 200 has already been sent.
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ndjsonContentType, type StreamEndpoint } from '../api/contract.js';
import { toWireError } from '../api/errors.js';
import type { AnyHandler, RequestContext } from './handlers.js';

export function sendStream(
  endpoint: StreamEndpoint,
  handler: AnyHandler,
  input: Record<string, unknown>,
  ctx: RequestContext,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const out = new PassThrough();
  // Once the client is gone fastify destroys `out`; late writes must not crash the daemon.
  out.on('error', () => undefined);
  const finish = (last?: string): void => {
    if (!out.destroyed) out.end(last);
  };
  // Browsers' EventSource wants Server-Sent Events: the same JSON, framed as `data:` blocks.
  const sse = /\btext\/event-stream\b/.test(req.headers.accept ?? '');
  const frame = (json: string): string => (sse ? `data: ${json}\n\n` : `${json}\n`);
  return new Promise<FastifyReply>((resolve, reject) => {
    let started = false;
    const start = (): void => {
      if (started) return;
      started = true;
      // No buffering by proxies in between: progress must arrive as it happens.
      reply.code(200).header('content-type', sse ? 'text/event-stream; charset=utf-8' : ndjsonContentType).header('cache-control', 'no-store').header('x-accel-buffering', 'no');
      resolve(reply.send(out));
    };

    const emit = async (event: unknown): Promise<void> => {
      ctx.signal.throwIfAborted();
      // An event outside the contract is a daemon bug; it fails the stream instead of reaching clients.
      const line = frame(JSON.stringify(endpoint.event.parse(event)));
      start();
      if (!out.write(line)) await once(out, 'drain', { signal: ctx.signal });
    };

    Promise.resolve()
      .then(() => handler(input, ctx, emit))
      .then(
        () => {
          start();
          finish();
        },
        (e: unknown) => {
          if (!started) return reject(e);
          const { status, body } = toWireError(e);
          if (status >= 500) req.log.error({ err: e }, 'stream failed');
          else req.log.info({ kind: body.error.kind }, 'stream ended with an error');
          finish(frame(JSON.stringify(body)));
        },
      );
  });
}
