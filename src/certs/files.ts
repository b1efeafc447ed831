// File modes for certificates and ACME files. Keys must never be readable by
// anyone else (0600 in 0700 directories); challenge answers must be readable by
// nginx's workers (0644 in 0755 directories). Modes are set explicitly after
// creation, because a restrictive umask would otherwise narrow them.
import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { writeFileAtomic } from '../proxy/files.js';

/** Creates `dir` (and missing parents) and gives it exactly `mode`, even if it already existed. */
export function ensureDir(dir: string, mode: number): void {
  mkdirSync(dir, { recursive: true, mode });
  chmodSync(dir, mode);
}

/**
 * Replaces `path` atomically (temporary file, flush, rename) and then sets its
 * mode. The file is briefly 0644 before the chmod: callers keep private files in
 * a 0700 directory, where nobody else can open them anyway.
 */
export function replaceFile(path: string, text: string, mode: number): void {
  writeFileAtomic(path, text);
  chmodSync(path, mode);
}

/**
 * Writes `path` only if nothing is there yet, and returns what is there now.
 * The text is prepared whole in a temporary file and hard-linked into place,
 * which fails when the name exists: two writers racing (two environments
 * asking for the same new ACME account at once) agree on the first one.
 */
export function createFileOnce(path: string, text: string, mode: number): string {
  const tmp = `${path}.new-${process.pid}-${randomBytes(4).toString('hex')}`;
  replaceFile(tmp, text, mode);
  try {
    linkSync(tmp, path);
    return text;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return readFileSync(path, 'utf8');
  } finally {
    rmSync(tmp, { force: true });
  }
}
