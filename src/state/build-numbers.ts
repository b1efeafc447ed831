// build-<n> tags must only ever increase per app. The counter lives in SQLite;
// `atLeast` lets the caller feed in the highest number already seen in the
// engine, so a lost database never makes a number repeat.
import type { Db } from './db.js';

export function nextBuildNumber(db: Db, app: string, atLeast = 0): number {
  return db.transaction(() => {
    const row = db.prepare('SELECT last FROM build_numbers WHERE app = ?').get(app) as { last: number } | undefined;
    const next = Math.max(row?.last ?? 0, atLeast) + 1;
    db.prepare('INSERT INTO build_numbers (app, last) VALUES (?, ?) ON CONFLICT(app) DO UPDATE SET last = excluded.last').run(app, next);
    return next;
  }).immediate();
}

/** The last number handed out for the app, if this database has ever numbered one of its builds. */
export function lastBuildNumber(db: Db, app: string): number | undefined {
  return (db.prepare('SELECT last FROM build_numbers WHERE app = ?').get(app) as { last: number } | undefined)?.last;
}
