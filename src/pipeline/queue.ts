// Which pipeline runs next, per environment: one runs at a time, and at most
// one waits behind it. A newer submission replaces the waiting one (which is
// told it was superseded): when several pushes queue up, only the newest is
// worth building. No I/O here; the jobs do the work.

export interface QueueJob {
  id: string;
  /** The work; the next waiting job starts when its promise settles. */
  run(): Promise<void>;
  /** Replaced by a newer job before it started. */
  superseded(by: string): void;
  /** Cancelled before it started. */
  cancelled(): void;
}

interface Lane {
  running: QueueJob;
  waiting?: QueueJob;
}

export class PipelineQueue {
  private readonly lanes = new Map<string, Lane>();

  /** Starts the job now, or queues it behind the running one of its key. */
  submit(key: string, job: QueueJob): 'started' | 'queued' {
    const lane = this.lanes.get(key);
    if (!lane) {
      this.start(key, job);
      return 'started';
    }
    const old = lane.waiting;
    lane.waiting = job;
    old?.superseded(job.id);
    return 'queued';
  }

  /** Whether a job of this key runs or waits. */
  busy(key: string): boolean {
    return this.lanes.has(key);
  }

  /** The running job's id of a key, if any. */
  runningId(key: string): string | undefined {
    return this.lanes.get(key)?.running.id;
  }

  /** 'queued': it had not started and never will; 'running': it runs (the job decides how to stop); undefined: unknown here. */
  cancel(id: string): 'queued' | 'running' | undefined {
    for (const lane of this.lanes.values()) {
      if (lane.running.id === id) return 'running';
      if (lane.waiting?.id === id) {
        const job = lane.waiting;
        delete lane.waiting;
        job.cancelled();
        return 'queued';
      }
    }
    return undefined;
  }

  private start(key: string, job: QueueJob): void {
    const lane: Lane = { running: job };
    this.lanes.set(key, lane);
    void job
      .run()
      .catch(() => undefined)
      .then(() => {
        const next = lane.waiting;
        this.lanes.delete(key);
        if (next) this.start(key, next);
      });
  }
}
