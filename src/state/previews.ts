// Preview environments: which branch (or pull request) each one follows, its
// label and host name, and when it was last pushed to (for `ttl` and `max`).
import type { Db } from './db.js';
import type { StateFeed } from './feed.js';

export interface PreviewRow {
  app: string;
  env: string;
  branch: string;
  label: string;
  domain: string;
  commit: string;
  pullRequest: number | null;
  createdAt: string;
  pushedAt: string;
}

const COLUMNS = `app, env, branch, label, domain, commit_sha AS "commit", pull_request AS pullRequest, created_at AS createdAt, pushed_at AS pushedAt`;

export class PreviewStore {
  constructor(
    private readonly db: Db,
    private readonly feed?: StateFeed,
  ) {}

  /** Records a push to a preview; returns whether the preview is new. */
  pushed(p: { app: string; env: string; branch: string; label: string; domain: string; commit: string; pullRequest?: number }): boolean {
    const t = new Date().toISOString();
    const existed = this.get(p.app, p.env) !== undefined;
    this.db
      .prepare(
        `INSERT INTO previews (app, env, branch, label, domain, commit_sha, pull_request, created_at, pushed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(app, env) DO UPDATE SET commit_sha = excluded.commit_sha, pushed_at = excluded.pushed_at,
           pull_request = COALESCE(excluded.pull_request, previews.pull_request)`,
      )
      .run(p.app, p.env, p.branch, p.label, p.domain, p.commit, p.pullRequest ?? null, t, t);
    if (!existed) this.feed?.preview({ app: p.app, env: p.env, status: 'created' });
    return !existed;
  }

  get(app: string, env: string): PreviewRow | undefined {
    return this.db.prepare(`SELECT ${COLUMNS} FROM previews WHERE app = ? AND env = ?`).get(app, env) as PreviewRow | undefined;
  }

  byBranch(app: string, branch: string): PreviewRow | undefined {
    return this.db.prepare(`SELECT ${COLUMNS} FROM previews WHERE app = ? AND branch = ?`).get(app, branch) as PreviewRow | undefined;
  }

  /** The branch that holds a label, if any. */
  ownerOfLabel(app: string, label: string): string | undefined {
    return (this.db.prepare('SELECT branch FROM previews WHERE app = ? AND label = ?').get(app, label) as { branch: string } | undefined)?.branch;
  }

  /** Oldest push first. */
  list(app?: string): PreviewRow[] {
    if (app === undefined) return this.db.prepare(`SELECT ${COLUMNS} FROM previews ORDER BY pushed_at, env`).all() as PreviewRow[];
    return this.db.prepare(`SELECT ${COLUMNS} FROM previews WHERE app = ? ORDER BY pushed_at, env`).all(app) as PreviewRow[];
  }

  remove(app: string, env: string): void {
    const r = this.db.prepare('DELETE FROM previews WHERE app = ? AND env = ?').run(app, env);
    if (r.changes > 0) this.feed?.preview({ app, env, status: 'removed' });
  }
}
