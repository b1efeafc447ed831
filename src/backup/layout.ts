// Where backups live: $CALMA_HOME/backups/<app>/<env>/<id>/, one directory per
// snapshot with its manifest.json and the files it lists. A snapshot is
// written under `<id>.partial` and renamed when complete, so a directory with
// a plain id is always whole.
import { join } from 'node:path';
import { checkAppEnv } from '../runtime/names.js';
import { UserError } from '../errors.js';

const BACKUP_ID = /^b[0-9a-z]{6,16}$/;

export function isBackupId(s: string): boolean {
  return BACKUP_ID.test(s);
}

export function newBackupId(now = Date.now(), random = Math.random): string {
  return `b${now.toString(36)}${Math.floor(random() * 36 ** 3).toString(36).padStart(3, '0')}`;
}

export function backupsRoot(home: string): string {
  return join(home, 'backups');
}

export function envBackupsDir(home: string, app: string, env: string): string {
  checkAppEnv(app, env);
  return join(backupsRoot(home), app, env);
}

export function backupDir(home: string, app: string, env: string, id: string): string {
  if (!isBackupId(id)) throw new UserError(`"${id}" is not a backup id (see calma backups APP)`);
  return join(envBackupsDir(home, app, env), id);
}
