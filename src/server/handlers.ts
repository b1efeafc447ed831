// The daemon's side of the contract: the type each endpoint's handler must
// have. A handler receives its input already validated and returns (or, for a
// stream, emits) values the contract's schemas accept; app.ts checks again.
import type { FastifyBaseLogger } from 'fastify';
import type { z } from 'zod';
import type { Endpoint, JsonEndpoint, Parsed, StreamEndpoint } from '../api/contract.js';
import type { Principal } from './auth.js';

export interface RequestContext {
  principal: Principal;
  log: FastifyBaseLogger;
  /** Aborted when the client goes away; long work may stop (or, like a deploy, carry on). */
  signal: AbortSignal;
  /** The client's address (for login throttling). */
  address: string;
  /** The dashboard session cookie, set at login and cleared at logout. */
  cookies: { setSession(id: string, maxAgeMs: number): void; clearSession(): void };
}

export type JsonHandler<E extends JsonEndpoint> = (input: Parsed<E>, ctx: RequestContext) => Promise<z.input<E['response']>> | z.input<E['response']>;

/** Emits events in order; `emit` waits while the client is slow and rejects once it is gone. */
export type StreamHandler<E extends StreamEndpoint> = (input: Parsed<E>, ctx: RequestContext, emit: (event: z.input<E['event']>) => Promise<void>) => Promise<void>;

export type Handler<E extends Endpoint> = E extends JsonEndpoint ? JsonHandler<E> : E extends StreamEndpoint ? StreamHandler<E> : never;

/** One handler per endpoint of the contract, by the same name. */
export type Handlers<A extends Record<string, Endpoint>> = { [K in keyof A]: Handler<A[K]> };

/** The erased form app.ts calls; the typed form above is checked where handlers are written. */
export type AnyHandler = (input: Record<string, unknown>, ctx: RequestContext, emit: (event: unknown) => Promise<void>) => unknown;
