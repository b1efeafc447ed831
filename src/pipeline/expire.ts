// Previews without a push for longer than `previews.ttl` are torn down: the
// daemon looks once a minute (or at half the shortest ttl, when that is
// shorter, counted from the moment the preview appears). The ttl is the one
// of the app's newest release.
import type { Db } from '../state/db.js';
import { latestConfig } from '../state/history.js';
import type { Pipelines } from './pipelines.js';
import type { PreviewStore } from '../state/previews.js';
import type { StateFeed } from '../state/feed.js';

const DEFAULT_TTL_MS = 7 * 24 * 3600_000;

/** The `previews.ttl` of the app's most recently recorded calma.yml. */
export function previewTtl(db: Db, app: string): number {
  return latestConfig(db, app)?.previews?.ttl ?? DEFAULT_TTL_MS;
}

/** How long to wait before the next look: a minute, or half the shortest ttl among apps with previews. */
export function nextSweepMs(ttls: readonly number[], everyMs = 60_000): number {
  return Math.max(250, Math.min(everyMs, ...ttls.map((t) => t / 2)));
}

/**
 * Sweeps on a timer. With `feed`, a new preview or a deployment (which may record a shorter ttl)
 * brings the next sweep forward when its interval is now shorter: the timer was set when there
 * were no such previews, and waiting out a minute would let a 20 s ttl run to 80 s. It is never
 * pushed back, so a stream of pushes cannot keep the sweep from coming.
 */
export function expirePreviews(
  pipelines: Pipelines,
  previews: PreviewStore,
  db: Db,
  log: (msg: string, fields?: Record<string, unknown>) => void,
  o: { feed?: StateFeed; everyMs?: number } = {},
): () => void {
  const everyMs = o.everyMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  let dueAt = Infinity;
  let sweeping = false;
  let stopped = false;
  const schedule = (): void => {
    if (stopped || sweeping) return;
    const apps = [...new Set(previews.list().map((p) => p.app))];
    const wait = nextSweepMs(apps.map((a) => previewTtl(db, a)), everyMs);
    if (timer !== undefined && Date.now() + wait >= dueAt) return;
    clearTimeout(timer);
    dueAt = Date.now() + wait;
    timer = setTimeout(sweep, wait);
    timer.unref();
  };
  const sweep = (): void => {
    sweeping = true;
    timer = undefined;
    pipelines
      .expire(Date.now(), (app) => previewTtl(db, app))
      .then((gone) => gone.length > 0 && log('previews expired', { previews: gone }))
      .catch((e: unknown) => log('preview expiry failed', { error: (e as Error).message }))
      .finally(() => {
        sweeping = false;
        schedule();
      });
  };
  const unsubscribe = o.feed?.subscribe((e) => {
    if (e.type === 'preview' || e.type === 'deployment') schedule();
  });
  schedule();
  return () => {
    stopped = true;
    unsubscribe?.();
    clearTimeout(timer);
  };
}
