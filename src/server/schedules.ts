// The daemon's backup schedule: every environment whose current release's
// calma.yml sets backup.schedule gets a job; each run takes the environment's
// deployment lock, so it never overlaps a deployment or another backup.
import { BackupScheduler, type ScheduledBackup } from '../backup/schedule.js';
import type { CalmaConfig } from '../config/schema.js';
import type { Db } from '../state/db.js';
import { knownApps, liveReleases } from '../state/history.js';
import { backupNow } from './data-handlers.js';
import type { DeployHandlerDeps } from './deploy-handler.js';
import type { KeyedLock } from './keyed-lock.js';

type Log = (msg: string, fields?: Record<string, unknown>) => void;

/** From the state alone (no engine calls): the current release of each environment and its schedule. */
export function scheduledBackups(db: Db): ScheduledBackup[] {
  return knownApps(db).flatMap(({ app, env }) => {
    const current = liveReleases(db, app, env)[0];
    const schedule = current ? (JSON.parse(current.configJson) as CalmaConfig).backup.schedule : undefined;
    return schedule ? [{ app, env, schedule }] : [];
  });
}

export function startBackupSchedule(deps: DeployHandlerDeps, locks: KeyedLock, log: Log): { resync(): void; stop(): void } {
  const scheduler = new BackupScheduler(
    async (app, env) => {
      await locks.run(`${app}/${env}`, () => backupNow(deps, app, env, 'scheduled', (line) => log(line, { app, env })));
    },
    log,
  );
  const resync = (): void => scheduler.sync(scheduledBackups(deps.db));
  resync();
  return { resync, stop: () => scheduler.stop() };
}
