// build-<n> tags must only ever increase per app. The counter lives in SQLite;
// `atLeast` lets the caller feed in the highest number already seen in the
// engine, so a lost database never makes a number repeat. A new database takes
// every app's highest number from the engine once (seedBuildNumbers), so an
// app it has never numbered needs no look at the engine's images.
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

export function buildNumbersSeeded(db: Db): boolean {
  return db.prepare('SELECT 1 FROM build_numbers_seeded LIMIT 1').get() !== undefined;
}

/** Raises each app's counter to at least the highest number the engine holds for it, and marks the database seeded. */
export function seedBuildNumbers(db: Db, highest: ReadonlyMap<string, number>): void {
  db.transaction(() => {
    const up = db.prepare('INSERT INTO build_numbers (app, last) VALUES (?, ?) ON CONFLICT(app) DO UPDATE SET last = MAX(last, excluded.last)');
    for (const [app, n] of highest) up.run(app, n);
    db.prepare('INSERT INTO build_numbers_seeded (seeded_at) VALUES (?)').run(new Date().toISOString());
  }).immediate();
}
