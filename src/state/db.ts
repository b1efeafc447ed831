// The embedded state store: one SQLite file under $CALMA_HOME. Migrations are
// an ordered list applied once each, recorded in user_version, so an older
// database is brought forward in place and never rebuilt.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { ensureCalmaHome } from './home.js';
import { migrations } from './migrations.js';

export type Db = Database.Database;

export function openDb(file?: string): Db {
  const db = new Database(file ?? join(ensureCalmaHome(), 'state.db'));
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
