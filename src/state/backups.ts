// The index of backups (the files themselves are under $CALMA_HOME/backups).
import type { Db } from './db.js';
import type { StateFeed } from './feed.js';

export interface BackupRow {
  id: string;
  app: string;
  env: string;
  release: string;
  kind: string;
  createdAt: string;
  bytes: number;
  durationMs: number;
  /** When its checksums were last found intact, and what was wrong if they were not. */
  verifiedAt: string | null;
  verifyError: string | null;
}

const COLUMNS = `id, app, env, release, kind, created_at AS createdAt, bytes, duration_ms AS durationMs, verified_at AS verifiedAt, verify_error AS verifyError`;

export class BackupStore {
  constructor(
    private readonly db: Db,
    private readonly feed?: StateFeed,
  ) {}

  add(b: Omit<BackupRow, 'verifyError'>): void {
    this.db
      .prepare('INSERT INTO backups (id, app, env, release, kind, created_at, bytes, duration_ms, verified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(b.id, b.app, b.env, b.release, b.kind, b.createdAt, b.bytes, b.durationMs, b.verifiedAt);
    this.feed?.backup({ app: b.app, env: b.env, id: b.id, status: 'taken' });
  }

  get(app: string, id: string): BackupRow | undefined {
    return this.db.prepare(`SELECT ${COLUMNS} FROM backups WHERE app = ? AND id = ?`).get(app, id) as BackupRow | undefined;
  }

  /** Newest first. */
  list(app: string, env?: string): BackupRow[] {
    if (env === undefined) return this.db.prepare(`SELECT ${COLUMNS} FROM backups WHERE app = ? ORDER BY created_at DESC, id DESC`).all(app) as BackupRow[];
    return this.db.prepare(`SELECT ${COLUMNS} FROM backups WHERE app = ? AND env = ? ORDER BY created_at DESC, id DESC`).all(app, env) as BackupRow[];
  }

  verified(id: string, error: string | null): void {
    this.db.prepare('UPDATE backups SET verified_at = ?, verify_error = ? WHERE id = ?').run(error === null ? new Date().toISOString() : null, error, id);
    const row = this.feed && (this.db.prepare('SELECT app, env FROM backups WHERE id = ?').get(id) as { app: string; env: string } | undefined);
    if (row) this.feed!.backup({ ...row, id, status: 'verified' });
  }

  remove(id: string): void {
    const row = this.feed && (this.db.prepare('SELECT app, env FROM backups WHERE id = ?').get(id) as { app: string; env: string } | undefined);
    this.db.prepare('DELETE FROM backups WHERE id = ?').run(id);
    if (row) this.feed!.backup({ ...row, id, status: 'removed' });
  }

  /** Which backup a deployment took before it acted (for the data-safe rollback). */
  linkDeployment(deploymentId: string, backupId: string): void {
    this.db.prepare('UPDATE deployments SET backup_id = ? WHERE id = ?').run(backupId, deploymentId);
  }

  /** The backup taken by the deployment that made `release` live in the environment, if any. */
  beforeRelease(app: string, env: string, version: string): BackupRow | undefined {
    const row = this.db
      .prepare(
        `SELECT d.backup_id AS id FROM deployments d JOIN releases r ON r.id = d.release_id
         WHERE d.app = ? AND d.env = ? AND r.version = ? AND d.status = 'succeeded' AND d.backup_id IS NOT NULL
         ORDER BY d.started_at DESC LIMIT 1`,
      )
      .get(app, env, version) as { id: string } | undefined;
    return row ? this.get(app, row.id) : undefined;
  }
}
