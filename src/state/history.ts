// Read-only views of what happened: releases and deployments per environment,
// as the CLI and the dashboard show them.
import type { CalmaConfig } from '../config/schema.js';
import type { Db } from './db.js';

export interface ReleaseRow {
  id: string;
  version: string;
  image: string;
  commit: string;
  branch: string;
  configJson: string;
  /** The git tags on its commit, as JSON, when it came from git. */
  tagsJson: string | null;
  /** When it last went live (its latest succeeded deployment), and who asked for that. */
  deployedAt: string;
  actor: string | null;
}

export interface DeploymentRow {
  id: string;
  env: string;
  kind: string;
  status: string;
  reason: string | null;
  version: string;
  /** Who asked for it: a user, a token, a git push; null before this was recorded. */
  by: string | null;
  startedAt: string;
  finishedAt: string | null;
}

/** Releases that went live in this environment, the current one first. */
export function liveReleases(db: Db, app: string, env: string): ReleaseRow[] {
  return db
    .prepare(
      `SELECT r.id, r.version, r.image, r.commit_sha AS "commit", r.branch, r.config_json AS configJson, r.tags AS tagsJson, MAX(d.finished_at) AS deployedAt,
         (SELECT d2.actor FROM deployments d2 WHERE d2.release_id = r.id AND d2.status = 'succeeded' ORDER BY d2.finished_at DESC LIMIT 1) AS actor
       FROM releases r JOIN deployments d ON d.release_id = r.id AND d.status = 'succeeded'
       WHERE r.app = ? AND r.env = ?
       GROUP BY r.id ORDER BY deployedAt DESC`,
    )
    .all(app, env) as ReleaseRow[];
}

export function deploymentsOf(db: Db, app: string, env: string | undefined, limit = 50): DeploymentRow[] {
  return db
    .prepare(
      `SELECT d.id, d.env, d.kind, d.status, d.reason, r.version, d.actor AS "by", d.started_at AS startedAt, d.finished_at AS finishedAt
       FROM deployments d JOIN releases r ON r.id = d.release_id
       WHERE d.app = ? AND (? IS NULL OR d.env = ?)
       ORDER BY d.started_at DESC LIMIT ?`,
    )
    .all(app, env ?? null, env ?? null, limit) as DeploymentRow[];
}

export function knownApps(db: Db): Array<{ app: string; env: string }> {
  return db.prepare('SELECT DISTINCT app, env FROM deployments ORDER BY app, env').all() as Array<{ app: string; env: string }>;
}

/** The calma.yml of the app's most recently recorded release, any environment (for settings of the whole app: previews, source). */
export function latestConfig(db: Db, app: string): CalmaConfig | undefined {
  const row = db.prepare('SELECT config_json AS configJson FROM releases WHERE app = ? ORDER BY created_at DESC LIMIT 1').get(app) as { configJson: string } | undefined;
  return row ? (JSON.parse(row.configJson) as CalmaConfig) : undefined;
}

/** The calma.yml a release was deployed with (env files folded in), as the release table keeps it. */
export function releaseConfig(db: Db, app: string, env: string, version: string): CalmaConfig | undefined {
  const row = db.prepare('SELECT config_json AS configJson FROM releases WHERE app = ? AND env = ? AND version = ?').get(app, env, version) as { configJson: string } | undefined;
  return row ? (JSON.parse(row.configJson) as CalmaConfig) : undefined;
}
