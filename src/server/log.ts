// The daemon's structured log: JSON lines on stderr, one event per line with
// key/value fields, so it reads well under journald and greps well by field.
// Authorization headers are redacted as a second line of defence: nothing
// logs headers today, and a token must never reach a log even if one does.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(opts: { level?: string; dest?: NodeJS.WritableStream } = {}): Logger {
  // Synchronous writes to stderr: low volume, and the last lines before a crash are not lost.
  const dest = opts.dest ?? pino.destination({ dest: 2, sync: true });
  return pino(
    {
      level: opts.level ?? 'info',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['req.headers.authorization', 'headers.authorization', 'authorization', 'token'], censor: '[redacted]' },
    },
    dest,
  );
}
