// Previews without a push for longer than `previews.ttl` are torn down: the
// daemon looks once a minute. The ttl is the one of the app's newest release.
import type { Db } from '../state/db.js';
import { latestConfig } from '../state/history.js';
import type { Pipelines } from './pipelines.js';

const DEFAULT_TTL_MS = 7 * 24 * 3600_000;

/** The `previews.ttl` of the app's most recently recorded calma.yml. */
export function previewTtl(db: Db, app: string): number {
  return latestConfig(db, app)?.previews?.ttl ?? DEFAULT_TTL_MS;
}

export function expirePreviews(pipelines: Pipelines, db: Db, log: (msg: string, fields?: Record<string, unknown>) => void, everyMs = 60_000): () => void {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    pipelines
      .expire(Date.now(), (app) => previewTtl(db, app))
      .then((gone) => gone.length > 0 && log('previews expired', { previews: gone }))
      .catch((e: unknown) => log('preview expiry failed', { error: (e as Error).message }))
      .finally(() => (busy = false));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
