import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDb, type Db } from '../../src/state/db.js';
import { Journal } from '../../src/state/journal.js';
import { PreviewStore } from '../../src/state/previews.js';
import { scheduledBackups, startBackupSchedule } from '../../src/server/schedules.js';
import { KeyedLock } from '../../src/server/keyed-lock.js';
import type { DeployHandlerDeps } from '../../src/server/deploy-handler.js';

/** An environment whose current release's calma.yml sets backup.schedule, as a deployment records it. */
function deployed(journal: Journal, app: string, env: string, schedule: string, version = 'v1'): void {
  const id = `${app}:${env}:${version}`;
  journal.recordRelease({ id, app, env, image: `${app}:${version}`, version, commit: 'c', branch: 'main', configJson: JSON.stringify({ backup: { schedule } }) });
  journal.startDeployment({ id: `d-${app}-${env}-${version}`, app, env, releaseId: id, previousReleaseId: undefined, kind: 'deploy' });
  journal.finishDeployment(`d-${app}-${env}-${version}`, 'succeeded');
}

/** shop's production (03:00) and its live preview-login (04:00). */
function shopWithPreview(): { db: Db; journal: Journal; previews: PreviewStore } {
  const db = openDb(':memory:');
  const journal = new Journal(db);
  const previews = new PreviewStore(db);
  deployed(journal, 'shop', 'production', '0 3 * * *');
  deployed(journal, 'shop', 'preview-login', '0 4 * * *');
  previews.pushed({ app: 'shop', env: 'preview-login', branch: 'login', label: 'login', domain: 'login.shop.test', commit: 'c' });
  return { db, journal, previews };
}

test('schedules come from each environment\'s live release; a torn-down preview has none though its history stays', () => {
  const { db, previews } = shopWithPreview();
  const envs = () => scheduledBackups(db).map((s) => `${s.env} ${s.schedule}`);
  assert.deepEqual(envs(), ['preview-login 0 4 * * *', 'production 0 3 * * *']);
  previews.remove('shop', 'preview-login');
  assert.deepEqual(envs(), ['production 0 3 * * *']);
});

test('changed() re-reads one environment: a new schedule replaces the job, a torn-down preview stops its own', () => {
  const { db, journal, previews } = shopWithPreview();
  const logs: Array<[string, Record<string, unknown> | undefined]> = [];
  // Only the state is read until a job fires, and none fires here (03:00 and 04:00).
  const seen = (): string[] => logs.map(([m, f]) => `${m} ${f?.env} ${f?.schedule ?? ''}`.trim());
  const schedule = startBackupSchedule({ db } as DeployHandlerDeps, new KeyedLock(), (msg, fields) => logs.push([msg, fields]));
  try {
    assert.deepEqual(seen(), ['backup schedule set preview-login 0 4 * * *', 'backup schedule set production 0 3 * * *']);
    logs.length = 0;
    schedule.changed('shop', 'production');
    assert.deepEqual(seen(), [], 'nothing changed: the job keeps its timer');
    deployed(journal, 'shop', 'production', '30 2 * * *', 'v2');
    schedule.changed('shop', 'production');
    assert.deepEqual(seen(), ['backup schedule set production 30 2 * * *']);
    logs.length = 0;
    previews.remove('shop', 'preview-login');
    schedule.changed('shop', 'preview-login');
    assert.deepEqual(seen(), ['backup schedule removed preview-login']);
  } finally {
    schedule.stop();
  }
});
