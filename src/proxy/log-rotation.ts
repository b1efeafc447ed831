// The edge's logs kept to a bounded size. nginx appends to access.log for
// every request (25,000 a second on two cores) and never trims it; left alone
// it fills the disk of the server it serves. Past a size, a log moves to
// `<name>.1` (the one before is dropped) and nginx is told to reopen its files
// (SIGUSR1), so it writes a new one without dropping a request.

import { renameSync, statSync } from 'node:fs';
import { edgePaths } from './paths.js';

/** Past this size a log is rotated: the edge keeps at most twice this per log. */
export const LOG_ROTATE_BYTES = 64 * 1024 * 1024;

/** The logs at or past the limit, from their current sizes (undefined: no such file). */
export function logsToRotate(sizes: ReadonlyMap<string, number | undefined>, limitBytes = LOG_ROTATE_BYTES): string[] {
  return [...sizes].filter(([, bytes]) => bytes !== undefined && bytes >= limitBytes).map(([path]) => path);
}

function sizeOf(path: string): number | undefined {
  try {
    return statSync(path).size;
  } catch {
    return undefined;
  }
}

/**
 * Rotates the edge's logs that grew past the limit and makes the nginx master
 * (`masterPid`) reopen them. Returns the logs rotated.
 */
export function rotateEdgeLogs(prefix: string, masterPid: number, limitBytes = LOG_ROTATE_BYTES): string[] {
  const p = edgePaths({ prefix });
  const due = logsToRotate(new Map([p.accessLog, p.errorLog].map((f) => [f, sizeOf(f)])), limitBytes);
  if (due.length === 0) return [];
  for (const log of due) renameSync(log, `${log}.1`);
  process.kill(masterPid, 'SIGUSR1');
  return due;
}
