// The daemon's scheduled backups: one croner job per environment whose calma.yml
// sets backup.schedule. The daemon hands sync() the whole list at start-up, and
// syncOne() an environment a deployment or a removal just changed; only what
// changed is touched, so a job whose schedule stayed the same keeps its timer
// and is neither restarted nor run twice.

import { Cron } from 'croner';
import { CRON_MODE } from '../config/cron.js';
import { errorMessage } from '../errors.js';

export interface ScheduledBackup {
  app: string;
  env: string;
  /** A cron schedule as calma.yml's backup.schedule accepts it. */
  schedule: string;
}

type Log = (msg: string, fields?: Record<string, unknown>) => void;

interface Job extends ScheduledBackup {
  cron: Cron;
}

const keyOf = (app: string, env: string): string => JSON.stringify([app, env]);

export class BackupScheduler {
  private readonly jobs = new Map<string, Job>();
  // Kept here rather than by croner's `protect`, which is per job: a schedule changed
  // mid-run gives a new job, and its ticks must wait for the old job's run as well.
  private readonly running = new Set<string>();

  constructor(
    private readonly run: (app: string, env: string) => Promise<void>,
    private readonly log: Log,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Makes the jobs exactly `entries`: new ones start, gone ones stop, changed ones are replaced. */
  sync(entries: readonly ScheduledBackup[]): void {
    const wanted = new Map(entries.map((e) => [keyOf(e.app, e.env), e]));
    for (const [key, job] of this.jobs) if (!wanted.has(key)) this.syncOne(job.app, job.env, undefined);
    for (const e of wanted.values()) this.syncOne(e.app, e.env, e.schedule);
  }

  /** The same for one environment: its job started, replaced, stopped (schedule undefined) or left alone. */
  syncOne(app: string, env: string, schedule: string | undefined): void {
    const key = keyOf(app, env);
    const job = this.jobs.get(key);
    if (job?.schedule === schedule) return;
    if (job) {
      job.cron.stop();
      this.jobs.delete(key);
      if (schedule === undefined) this.log('backup schedule removed', { app, env });
    }
    if (schedule !== undefined) this.start(key, { app, env, schedule });
  }

  /** Stops every job; a backup already running finishes, none starts. */
  stop(): void {
    for (const job of this.jobs.values()) job.cron.stop();
    this.jobs.clear();
  }

  /** When the environment's next scheduled backup starts; undefined without a schedule. */
  next(app: string, env: string): Date | undefined {
    return this.jobs.get(keyOf(app, env))?.cron.nextRun(this.now()) ?? undefined;
  }

  private start(key: string, { app, env, schedule }: ScheduledBackup): void {
    let cron: Cron;
    try {
      cron = new Cron(schedule, { mode: CRON_MODE }, () => this.tick(key, app, env));
    } catch (e) {
      // calma.yml was checked when it was deployed; one schedule refused now must not stop the others.
      this.log('backup schedule refused', { app, env, schedule, error: errorMessage(e) });
      return;
    }
    this.jobs.set(key, { app, env, schedule, cron });
    this.log('backup schedule set', { app, env, schedule, next: cron.nextRun(this.now())?.toISOString() });
  }

  /** Never rejects: croner would leave a rejection unhandled. */
  private async tick(key: string, app: string, env: string): Promise<void> {
    if (this.running.has(key)) {
      this.log('scheduled backup skipped: the previous one is still running', { app, env });
      return;
    }
    this.running.add(key);
    try {
      await this.run(app, env);
    } catch (e) {
      this.log('scheduled backup failed', { app, env, error: errorMessage(e) });
    } finally {
      this.running.delete(key);
    }
  }
}
