// The small error taxonomy. Every failure a user can cause is a UserError (one
// clear line, non-zero exit); bad calma.yml is a ConfigError carrying every
// problem of the file at once. Anything else is internal: a bug, shown with a
// stack under --verbose. One handler (cli/handle-error.ts) turns them into output.

/** A mistake the user can fix: bad input, a missing file, a failing test stage. */
export class UserError extends Error {
  override readonly name: string = 'UserError';
  constructor(
    message: string,
    /** Extra lines shown under the message (e.g. the last output of a failing step). */
    readonly details: readonly string[] = [],
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** One problem in a configuration file, with its position. */
export interface ConfigProblem {
  file: string;
  /** Dotted key path, e.g. `web.healthcheck.interval` ("" for the document itself). */
  path: string;
  line: number;
  column: number;
  message: string;
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.path === '' ? '' : ` ${p.path}:`;
  return `${p.file}:${p.line}:${p.column}${where} ${p.message}`;
}

/** All the problems of one configuration file, reported together. */
export class ConfigError extends UserError {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
  }
}

/** An external system calma depends on is unreachable or refused (engine, registry). */
export class UnavailableError extends UserError {
  override readonly name = 'UnavailableError';
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
