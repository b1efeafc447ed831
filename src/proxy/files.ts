// The edge's files on disk: the directory layout and atomic replacement. A
// half-written config must never be what nginx reads on its next reload, so
// every write goes to a temporary file beside the target, is flushed, and is
// renamed over it (rename is atomic within one directory).

import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { UserError } from '../errors.js';
import { basename, dirname, join } from 'node:path';
import { edgePaths } from './paths.js';
import { renderRequestIdConfig } from './render.js';
import { PROBE_TOKEN_PATTERN, type EdgeSettings } from './routes.js';

/** Writes `text` to `path` atomically. The temporary name does not end in `.conf`, so nginx's `include envs/*.conf` never sees it. */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeSync(fd, text);
    fsyncSync(fd); // a crash right after the rename must not leave an empty file
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
}

/** The edge's probe token (see EdgeSettings.probeToken), made once per prefix and kept in it (0600). */
export function probeToken(prefix: string): string {
  mkdirSync(prefix, { recursive: true, mode: 0o755 });
  const path = join(prefix, 'probe.token');
  const existing = readIfExists(path)?.trim();
  if (existing && PROBE_TOKEN_PATTERN.test(existing)) return existing;
  const token = randomBytes(16).toString('hex');
  const fd = openSync(path, 'w', 0o600);
  writeSync(fd, `${token}\n`);
  closeSync(fd);
  return token;
}

/** The file's content, or null when it does not exist. */
export function readIfExists(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    // ESRCH: a /proc file of a process that exited while it was read (an old nginx worker going away).
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return null;
    throw e;
  }
}

/**
 * Creates the prefix, logs, envs and temp directories. nginx started as root runs its
 * workers as `nobody`, which must reach the temp directories (request bodies and
 * responses too large for memory), hence a traversable prefix.
 */
export function ensureLayout(settings: EdgeSettings): void {
  const p = edgePaths(settings);
  for (const dir of [settings.prefix, p.logs, p.envs, p.live, p.challenges, p.temp]) mkdirSync(dir, { recursive: true, mode: 0o755 });
  chmodSync(settings.prefix, 0o755);
  chmodSync(p.temp, 0o755);
  chmodSync(p.live, 0o755); // nginx's workers (not root) stat the markers in it
  chmodSync(p.challenges, 0o755); // and read the challenge files
  assertWorkersCanReach(settings.prefix);
  writeRequestIdConfig(settings, { ifMissing: true });
}

/**
 * Root's nginx workers run as `nobody`: every directory above the prefix must let others
 * through (x), or the live-slot marker is invisible to them and a switch would silently
 * not happen. Said at start, with the directory to fix.
 */
function assertWorkersCanReach(prefix: string): void {
  if (process.getuid?.() !== 0) return; // workers run as this same user
  for (let dir = dirname(prefix); ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) {
      throw new UserError(`nginx's workers (user nobody) cannot reach ${prefix}: ${dir} is not searchable by others (chmod o+x ${dir})`);
    }
    if (dirname(dir) === dir) return;
  }
}

/**
 * Writes the request-id include (renderRequestIdConfig) with a new epoch: called right before
 * a new nginx master starts, whose connection serial numbers start again from 1. `ifMissing`:
 * only when there is none yet (a configuration is checked before nginx ever ran).
 */
export function writeRequestIdConfig(settings: EdgeSettings, o: { ifMissing?: boolean } = {}): void {
  const path = edgePaths(settings).requestIds;
  if (o.ifMissing && readIfExists(path) !== null) return;
  // Milliseconds since 1970 in base 36: masters start one after another (under the edge lock), never within one millisecond.
  writeFileAtomic(path, renderRequestIdConfig(Date.now().toString(36)));
}
