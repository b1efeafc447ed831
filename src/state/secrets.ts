// App secrets: stored sealed, listed by name only, opened just before they
// become a container's environment.
import type { Db } from './db.js';
import type { SecretBox } from './secret-box.js';

const context = (app: string, name: string): string => `calma-secret:${app}:${name}`;

export function setSecret(db: Db, box: SecretBox, app: string, name: string, value: string): string {
  const now = new Date().toISOString();
  db.prepare(
    `INSERT INTO secrets (app, name, sealed, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT(app, name) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at`,
  ).run(app, name, box.seal(value, context(app, name)), now);
  return now;
}

/** Whether there was one to remove. */
export function unsetSecret(db: Db, app: string, name: string): boolean {
  return db.prepare('DELETE FROM secrets WHERE app = ? AND name = ?').run(app, name).changes > 0;
}

export function listSecrets(db: Db, app: string): Array<{ name: string; updatedAt: string }> {
  return db.prepare('SELECT name, updated_at AS updatedAt FROM secrets WHERE app = ? ORDER BY name').all(app) as Array<{ name: string; updatedAt: string }>;
}

/** The values of the named secrets; the names that are not set come back in `missing`. */
export function openSecrets(db: Db, box: SecretBox, app: string, names: readonly string[]): { values: Record<string, string>; missing: string[] } {
  const values: Record<string, string> = {};
  const missing: string[] = [];
  const get = db.prepare('SELECT sealed FROM secrets WHERE app = ? AND name = ?');
  for (const name of names) {
    const row = get.get(app, name) as { sealed: Buffer } | undefined;
    if (row) values[name] = box.unseal(row.sealed, context(app, name));
    else missing.push(name);
  }
  return { values, missing };
}
