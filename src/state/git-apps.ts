// Git-connected apps: the clone URL webhooks fetch from, and the webhook
// secret, sealed like app secrets (it must be read back to check HMACs).
import { randomBytes } from 'node:crypto';
import type { Db } from './db.js';
import type { SecretBox } from './secret-box.js';

export interface GitApp {
  app: string;
  repository: string | null;
  createdAt: string;
}

const context = (app: string): string => `calma-webhook:${app}`;

export class GitApps {
  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
  ) {}

  /** Registers the app with a fresh webhook secret; returns the secret (shown once), or undefined if it existed. */
  create(app: string, repository: string | undefined): string | undefined {
    const secret = randomBytes(24).toString('base64url');
    const r = this.db
      .prepare('INSERT INTO git_apps (app, repository, webhook_secret, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(app) DO NOTHING')
      .run(app, repository ?? null, this.box.seal(secret, context(app)), new Date().toISOString());
    return r.changes > 0 ? secret : undefined;
  }

  get(app: string): GitApp | undefined {
    return this.db.prepare('SELECT app, repository, created_at AS createdAt FROM git_apps WHERE app = ?').get(app) as GitApp | undefined;
  }

  list(): GitApp[] {
    return this.db.prepare('SELECT app, repository, created_at AS createdAt FROM git_apps ORDER BY app').all() as GitApp[];
  }

  setRepository(app: string, repository: string): void {
    this.db.prepare('UPDATE git_apps SET repository = ? WHERE app = ?').run(repository, app);
  }

  webhookSecret(app: string): string | undefined {
    const row = this.db.prepare('SELECT webhook_secret AS sealed FROM git_apps WHERE app = ?').get(app) as { sealed: Buffer } | undefined;
    return row ? this.box.unseal(row.sealed, context(app)) : undefined;
  }

  remove(app: string): void {
    this.db.prepare('DELETE FROM git_apps WHERE app = ?').run(app);
  }
}
