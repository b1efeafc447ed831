// Previews without a push for longer than `previews.ttl` are torn down: the
// daemon looks once a minute (or at half the shortest ttl, when that is
// shorter). The ttl is the one of the app's newest release.
import type { Db } from '../state/db.js';
import { latestConfig } from '../state/history.js';
import type { Pipelines } from './pipelines.js';
import type { PreviewStore } from '../state/previews.js';

const DEFAULT_TTL_MS = 7 * 24 * 3600_000;

/** The `previews.ttl` of the app's most recently recorded calma.yml. */
export function previewTtl(db: Db, app: string): number {
  return latestConfig(db, app)?.previews?.ttl ?? DEFAULT_TTL_MS;
}

/** How long to wait before the next look: a minute, or half the shortest ttl among apps with previews. */
export function nextSweepMs(ttls: readonly number[], everyMs = 60_000): number {
  return Math.max(250, Math.min(everyMs, ...ttls.map((t) => t / 2)));
}

export function expirePreviews(pipelines: Pipelines, previews: PreviewStore, db: Db, log: (msg: string, fields?: Record<string, unknown>) => void, everyMs = 60_000): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = (): void => {
    if (stopped) return;
    const apps = [...new Set(previews.list().map((p) => p.app))];
    timer = setTimeout(sweep, nextSweepMs(apps.map((a) => previewTtl(db, a)), everyMs));
    timer.unref();
  };
  const sweep = (): void => {
    pipelines
      .expire(Date.now(), (app) => previewTtl(db, app))
      .then((gone) => gone.length > 0 && log('previews expired', { previews: gone }))
      .catch((e: unknown) => log('preview expiry failed', { error: (e as Error).message }))
      .finally(schedule);
  };
  schedule();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
