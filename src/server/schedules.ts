// The daemon's backup schedule: every environment whose current release's
// calma.yml sets backup.schedule gets a job; each run takes the environment's
// deployment lock, so it never overlaps a deployment or another backup.
import { BackupScheduler, type ScheduledBackup } from '../backup/schedule.js';
import type { CalmaConfig } from '../config/schema.js';
import type { Db } from '../state/db.js';
import { knownApps, liveReleases } from '../state/history.js';
import { PreviewStore } from '../state/previews.js';
import { isPreviewEnv } from '../pipeline/targets.js';
import { backupNow } from './data-handlers.js';
import type { DeployHandlerDeps } from './deploy-handler.js';
import type { KeyedLock } from './keyed-lock.js';

type Log = (msg: string, fields?: Record<string, unknown>) => void;

/**
 * The backup.schedule of an environment's current release (from the state alone, no engine
 * calls). A torn-down preview has none: its release history stays, its preview row does not.
 */
function scheduleOf(db: Db, app: string, env: string): string | undefined {
  if (isPreviewEnv(env) && new PreviewStore(db).get(app, env) === undefined) return undefined;
  const current = liveReleases(db, app, env)[0];
  return current ? (JSON.parse(current.configJson) as CalmaConfig).backup.schedule : undefined;
}

/** Every environment's schedule, for the daemon's start. */
export function scheduledBackups(db: Db): ScheduledBackup[] {
  return knownApps(db).flatMap(({ app, env }) => {
    const schedule = scheduleOf(db, app, env);
    return schedule ? [{ app, env, schedule }] : [];
  });
}

/**
 * Starts the jobs; `changed` brings one environment's job in line after a deployment or a
 * removal. (One, not all: with a thousand apps, reading every environment's release took a
 * deployment more than a second.)
 */
export function startBackupSchedule(deps: DeployHandlerDeps, locks: KeyedLock, log: Log): { changed(app: string, env: string): void; stop(): void } {
  const scheduler = new BackupScheduler(
    async (app, env) => {
      await locks.run(`${app}/${env}`, () => backupNow(deps, app, env, 'scheduled', (line) => log(line, { app, env })));
    },
    log,
  );
  scheduler.sync(scheduledBackups(deps.db));
  return { changed: (app, env) => scheduler.syncOne(app, env, scheduleOf(deps.db, app, env)), stop: () => scheduler.stop() };
}
