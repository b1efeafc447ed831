// The deployment journal: every step is written before it acts and closed
// when it ends, so a daemon killed at any point knows on restart what was
// under way and can finish or undo it.
import type { Db } from './db.js';
import type { StateFeed } from './feed.js';

export type DeploymentStatus = 'running' | 'succeeded' | 'failed';
export type StepStatus = 'running' | 'done' | 'failed' | 'compensated';

export interface ReleaseRecord {
  id: string;
  app: string;
  env: string;
  image: string;
  version: string;
  commit: string;
  branch: string;
  configJson: string;
  /** The git tags on the commit, when it came from git. */
  tags?: readonly string[] | undefined;
}

const now = (): string => new Date().toISOString();

export class Journal {
  constructor(
    private readonly db: Db,
    private readonly feed?: StateFeed,
  ) {}

  recordRelease(r: ReleaseRecord): void {
    this.db
      .prepare(
        `INSERT INTO releases (id, app, env, image, version, commit_sha, branch, config_json, created_at, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET image = excluded.image, config_json = excluded.config_json, tags = COALESCE(excluded.tags, releases.tags)`,
      )
      .run(r.id, r.app, r.env, r.image, r.version, r.commit, r.branch, r.configJson, now(), r.tags ? JSON.stringify(r.tags) : null);
  }

  startDeployment(d: { id: string; app: string; env: string; releaseId: string; previousReleaseId: string | undefined; kind: 'deploy' | 'rollback' | 'restore'; actor?: string | undefined }): void {
    this.db
      .prepare("INSERT INTO deployments (id, app, env, release_id, previous_release_id, kind, status, started_at, actor) VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?)")
      .run(d.id, d.app, d.env, d.releaseId, d.previousReleaseId ?? null, d.kind, now(), d.actor ?? null);
    this.feed?.deployment({ app: d.app, env: d.env, id: d.id, kind: d.kind, status: 'running' });
  }

  /** Opens a step; returns its sequence number for stepEnded. */
  stepStarted(deploymentId: string, step: string, detail: unknown): number {
    const row = this.db.prepare('SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM deployment_steps WHERE deployment_id = ?').get(deploymentId) as { seq: number };
    this.db
      .prepare("INSERT INTO deployment_steps (deployment_id, seq, step, status, detail, started_at) VALUES (?, ?, ?, 'running', ?, ?)")
      .run(deploymentId, row.seq, step, JSON.stringify(detail), now());
    return row.seq;
  }

  stepEnded(deploymentId: string, seq: number, status: StepStatus): void {
    this.db.prepare('UPDATE deployment_steps SET status = ?, finished_at = ? WHERE deployment_id = ? AND seq = ?').run(status, now(), deploymentId, seq);
  }

  finishDeployment(id: string, status: Exclude<DeploymentStatus, 'running'>, reason?: string): void {
    this.db.prepare('UPDATE deployments SET status = ?, reason = ?, finished_at = ? WHERE id = ?').run(status, reason ?? null, now(), id);
    const d = this.feed && (this.db.prepare('SELECT app, env, kind FROM deployments WHERE id = ?').get(id) as { app: string; env: string; kind: string } | undefined);
    if (d) this.feed!.deployment({ ...d, id, status });
  }

  deployment(id: string): { status: DeploymentStatus; reason: string | null } | undefined {
    return this.db.prepare('SELECT status, reason FROM deployments WHERE id = ?').get(id) as { status: DeploymentStatus; reason: string | null } | undefined;
  }

  steps(deploymentId: string): Array<{ seq: number; step: string; status: StepStatus; started_at: string; finished_at: string | null }> {
    return this.db.prepare('SELECT seq, step, status, started_at, finished_at FROM deployment_steps WHERE deployment_id = ? ORDER BY seq').all(deploymentId) as Array<{
      seq: number;
      step: string;
      status: StepStatus;
      started_at: string;
      finished_at: string | null;
    }>;
  }

  /** Deployments a killed daemon left running: the reconciler's work list. */
  unfinished(): Array<{ id: string; app: string; env: string; kind: string }> {
    return this.db.prepare("SELECT id, app, env, kind FROM deployments WHERE status = 'running' ORDER BY started_at").all() as Array<{ id: string; app: string; env: string; kind: string }>;
  }
}
