// Errors on the wire. The daemon turns every failure into one small JSON body
// with a kind and a message (never a stack), and an HTTP status derived from
// calma's error taxonomy; the client turns that body back into the matching
// calma error class, so the CLI's one error handler prints it like a local one.
import { z } from 'zod';
import { ConfigError, formatProblem, UnavailableError, UserError } from '../errors.js';

export const errorKinds = ['user', 'config', 'auth', 'forbidden', 'not_found', 'conflict', 'validation', 'rate_limited', 'internal'] as const;
export type ErrorKind = (typeof errorKinds)[number];

export const fieldErrorSchema = z.object({ path: z.string(), message: z.string() });
export type FieldError = z.infer<typeof fieldErrorSchema>;

export const wireErrorSchema = z.object({
  error: z.object({
    kind: z.enum(errorKinds),
    message: z.string(),
    fields: z.array(fieldErrorSchema).optional(),
  }),
});
export type WireError = z.infer<typeof wireErrorSchema>;

export const statusOfKind: Readonly<Record<ErrorKind, number>> = {
  user: 400,
  config: 422,
  auth: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  validation: 400,
  rate_limited: 429,
  internal: 500,
};

/**
 * An error that already knows its wire kind: raised by the daemon (a bad
 * token, an unknown release) and re-created by the client from a response.
 * It is a UserError: on the CLI side it prints as one line and exits 1.
 */
export class ApiError extends UserError {
  override readonly name = 'ApiError';
  constructor(
    readonly kind: Exclude<ErrorKind, 'internal'>,
    message: string,
    readonly fields: readonly FieldError[] = [],
  ) {
    // A config error's message already lists its problems; a validation error's fields are extra lines.
    super(message, kind === 'validation' ? fields.map((f) => `  ${f.path === '' ? '(input)' : f.path}: ${f.message}`) : []);
  }
}

/** Input that failed the contract's schemas: 400 with every field path. */
export function validationError(fields: readonly FieldError[]): ApiError {
  const first = fields[0];
  const what = first ? `${first.path === '' ? 'input' : first.path}: ${first.message}` : 'invalid input';
  const more = fields.length > 1 ? ` (and ${fields.length - 1} more)` : '';
  return new ApiError('validation', `invalid request: ${what}${more}`, fields);
}

/** A bug in the daemon, as the client sees it (exit 70 through the CLI's handler). */
export class DaemonInternalError extends Error {
  override readonly name = 'DaemonInternalError';
}

/** A failure of fastify itself before our code ran (bad JSON, body too large, wrong media type). */
function frameworkStatus(e: unknown): number | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const { statusCode, code } = e as { statusCode?: unknown; code?: unknown };
  const ours = typeof code === 'string' && code.startsWith('FST_');
  return ours && typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500 ? statusCode : undefined;
}

/** Any thrown value → HTTP status and wire body. Internal errors say nothing about their cause. */
export function toWireError(e: unknown): { status: number; body: WireError } {
  if (e instanceof ApiError) {
    const fields = e.fields.length > 0 ? { fields: [...e.fields] } : {};
    return { status: statusOfKind[e.kind], body: { error: { kind: e.kind, message: e.message, ...fields } } };
  }
  if (e instanceof ConfigError) {
    const fields = e.problems.map((p) => ({ path: p.path, message: formatProblem(p) }));
    return { status: statusOfKind.config, body: { error: { kind: 'config', message: e.message, fields } } };
  }
  // Something calma needs (engine, registry) is down: the request was fine, the service is not.
  if (e instanceof UnavailableError) return { status: 503, body: { error: { kind: 'user', message: e.message } } };
  if (e instanceof UserError) return { status: statusOfKind.user, body: { error: { kind: 'user', message: e.message } } };
  const fw = frameworkStatus(e);
  if (fw !== undefined) return { status: fw, body: { error: { kind: 'validation', message: (e as Error).message } } };
  return { status: 500, body: { error: { kind: 'internal', message: 'internal error in the calma daemon (details are in its log)' } } };
}

/** A wire error (from a status line or from inside a stream) → the calma error to throw on the client. */
export function fromWireError(body: WireError, status?: number): Error {
  const { kind, message, fields = [] } = body.error;
  if (kind === 'internal') return new DaemonInternalError(message);
  if (kind === 'user') return status === 503 ? new UnavailableError(message) : new UserError(message);
  return new ApiError(kind, message, fields);
}
