// The edge's files on disk: the directory layout and atomic replacement. A
// half-written config must never be what nginx reads on its next reload, so
// every write goes to a temporary file beside the target, is flushed, and is
// renamed over it (rename is atomic within one directory).

import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { edgePaths } from './paths.js';
import { renderMainConfig } from './render.js';
import type { EdgeSettings } from './routes.js';

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

/** The file's content, or null when it does not exist. */
export function readIfExists(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
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
  for (const dir of [settings.prefix, p.logs, p.envs, p.temp]) mkdirSync(dir, { recursive: true, mode: 0o755 });
  chmodSync(settings.prefix, 0o755);
  chmodSync(p.temp, 0o755);
}

/** Writes nginx.conf when its content differs; returns whether it changed. */
export function writeMainConfigFile(settings: EdgeSettings): boolean {
  ensureLayout(settings);
  const text = renderMainConfig(settings);
  const path = edgePaths(settings).conf;
  if (readIfExists(path) === text) return false;
  writeFileAtomic(path, text);
  return true;
}
