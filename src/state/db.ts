// The embedded state store: one SQLite file under $CALMA_HOME. Migrations are
// an ordered list applied once each, recorded in user_version, so an older
// database is brought forward in place and never rebuilt.
import Database from 'better-sqlite3';
import { closeSync, existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { ensureCalmaHome } from './home.js';
import { migrations } from './migrations.js';

export type Db = Database.Database;

export function openDb(file?: string): Db {
  const path = file ?? join(ensureCalmaHome(), 'state.db');
  // Created 0600 before SQLite opens it: its -wal and -shm files take the same mode.
  if (path !== ':memory:' && !existsSync(path)) closeSync(openSync(path, 'wx', 0o600));
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let v = current; v < migrations.length; v++) {
    db.transaction(() => {
      db.exec(migrations[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
