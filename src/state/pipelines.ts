// The pipeline index: one row per (commit, environment) run with its status,
// and its stages with their timings. The log itself is a file (pipeline/log.ts).
import type { Db } from './db.js';
import type { StateFeed } from './feed.js';

export type PipelineStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'superseded' | 'cancelled';
export type PipelineTrigger = 'cli' | 'push' | 'webhook';
export const FINISHED: readonly PipelineStatus[] = ['succeeded', 'failed', 'superseded', 'cancelled'];

export interface PipelineRow {
  id: string;
  app: string;
  env: string;
  trigger: PipelineTrigger;
  actor: string | null;
  branch: string;
  commit: string;
  status: PipelineStatus;
  reason: string | null;
  deploymentId: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface StageRow {
  stage: string;
  status: 'running' | 'done' | 'failed';
  startedAt: string;
  finishedAt: string | null;
}

const now = (): string => new Date().toISOString();
const COLUMNS = `id, app, env, trigger, actor, branch, commit_sha AS "commit", status, reason, deployment_id AS deploymentId,
  created_at AS createdAt, started_at AS startedAt, finished_at AS finishedAt`;

/** A fresh pipeline id: `p` and a time-sortable base-36 stamp. */
export function newPipelineId(at = Date.now(), random = Math.random): string {
  return `p${at.toString(36)}${Math.floor(random() * 36 ** 3).toString(36).padStart(3, '0')}`;
}

export const PIPELINE_ID = /^p[0-9a-z]{6,16}$/;

export class PipelineStore {
  constructor(
    private readonly db: Db,
    private readonly feed?: StateFeed,
  ) {}

  create(p: { id: string; app: string; env: string; trigger: PipelineTrigger; actor: string; branch: string; commit: string }): void {
    this.db
      .prepare("INSERT INTO pipelines (id, app, env, trigger, actor, branch, commit_sha, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?)")
      .run(p.id, p.app, p.env, p.trigger, p.actor, p.branch, p.commit, now());
    this.feed?.pipeline({ app: p.app, env: p.env, id: p.id, status: 'queued' });
  }

  started(id: string): void {
    this.db.prepare("UPDATE pipelines SET status = 'running', started_at = ? WHERE id = ?").run(now(), id);
    this.announce(id);
  }

  finished(id: string, status: PipelineStatus, reason?: string): void {
    this.db.prepare('UPDATE pipelines SET status = ?, reason = ?, finished_at = ? WHERE id = ?').run(status, reason ?? null, now(), id);
    this.announce(id);
  }

  private announce(id: string): void {
    const p = this.feed && this.get(id);
    if (p) this.feed!.pipeline({ app: p.app, env: p.env, id, status: p.status });
  }

  linkDeployment(id: string, deploymentId: string): void {
    this.db.prepare('UPDATE pipelines SET deployment_id = ? WHERE id = ?').run(deploymentId, id);
  }

  stageStarted(id: string, stage: string): number {
    const row = this.db.prepare('SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM pipeline_stages WHERE pipeline_id = ?').get(id) as { seq: number };
    this.db.prepare("INSERT INTO pipeline_stages (pipeline_id, seq, stage, status, started_at) VALUES (?, ?, ?, 'running', ?)").run(id, row.seq, stage, now());
    return row.seq;
  }

  stageEnded(id: string, seq: number, status: 'done' | 'failed'): void {
    this.db.prepare('UPDATE pipeline_stages SET status = ?, finished_at = ? WHERE pipeline_id = ? AND seq = ?').run(status, now(), id, seq);
  }

  get(id: string): PipelineRow | undefined {
    return this.db.prepare(`SELECT ${COLUMNS} FROM pipelines WHERE id = ?`).get(id) as PipelineRow | undefined;
  }

  list(app: string, limit = 50): PipelineRow[] {
    return this.db.prepare(`SELECT ${COLUMNS} FROM pipelines WHERE app = ? ORDER BY created_at DESC, id DESC LIMIT ?`).all(app, limit) as PipelineRow[];
  }

  stages(id: string): StageRow[] {
    return this.db
      .prepare('SELECT stage, status, started_at AS startedAt, finished_at AS finishedAt FROM pipeline_stages WHERE pipeline_id = ? ORDER BY seq')
      .all(id) as StageRow[];
  }

  /** Pipelines a daemon that stopped left queued or running: they cannot resume, so they end as failed. */
  abandon(reason: string): number {
    const t = now();
    this.db.prepare("UPDATE pipeline_stages SET status = 'failed', finished_at = ? WHERE status = 'running'").run(t);
    return this.db.prepare("UPDATE pipelines SET status = 'failed', reason = ?, finished_at = ? WHERE status IN ('queued', 'running')").run(reason, t).changes;
  }

  removeApp(app: string): void {
    this.db.prepare('DELETE FROM pipeline_stages WHERE pipeline_id IN (SELECT id FROM pipelines WHERE app = ?)').run(app);
    this.db.prepare('DELETE FROM pipelines WHERE app = ?').run(app);
  }
}
