// The one place errors become output. User errors: their message (every line,
// for a config with several problems) and details, no stack. Anything else is
// a bug: a short line, and the stack with --verbose.
import { ConfigError, isUserError } from '../errors.js';

export function handleError(e: unknown, opts: { verbose: boolean; json: boolean }, err: NodeJS.WritableStream = process.stderr): number {
  if (opts.json) {
    const body = e instanceof ConfigError ? { error: 'config', problems: e.problems } : { error: isUserError(e) ? 'user' : 'internal', message: e instanceof Error ? e.message : String(e) };
    err.write(`${JSON.stringify(body)}\n`);
  } else if (e instanceof ConfigError) {
    // file:line:col first, as compilers print it, so editors and terminals can jump to it.
    err.write(`${e.message}\n`);
  } else if (isUserError(e)) {
    err.write(`error: ${e.message.split('\n').join('\nerror: ')}\n`);
    for (const d of e.details) err.write(`${d}\n`);
  } else {
    err.write(`internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    if (!opts.verbose) err.write('(run again with --verbose for the stack)\n');
  }
  if (opts.verbose && e instanceof Error && e.stack) err.write(`${e.stack}\n`);
  return isUserError(e) ? e.exitCode : 70;
}
