import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDb } from '../../src/state/db.js';
import { Journal } from '../../src/state/journal.js';
import { PreviewStore } from '../../src/state/previews.js';
import { scheduledBackups } from '../../src/server/schedules.js';

/** An environment whose current release's calma.yml sets backup.schedule, as a deployment records it. */
function deployed(journal: Journal, app: string, env: string, schedule: string): void {
  const id = `${app}:${env}:v1`;
  journal.recordRelease({ id, app, env, image: `${app}:v1`, version: 'v1', commit: 'c', branch: 'main', configJson: JSON.stringify({ backup: { schedule } }) });
  journal.startDeployment({ id: `d-${app}-${env}`, app, env, releaseId: id, previousReleaseId: undefined, kind: 'deploy' });
  journal.finishDeployment(`d-${app}-${env}`, 'succeeded');
}

test('schedules come from each environment\'s live release; a torn-down preview has none though its history stays', () => {
  const db = openDb(':memory:');
  const journal = new Journal(db);
  const previews = new PreviewStore(db);
  deployed(journal, 'shop', 'production', '0 3 * * *');
  deployed(journal, 'shop', 'preview-login', '0 4 * * *');
  previews.pushed({ app: 'shop', env: 'preview-login', branch: 'login', label: 'login', domain: 'login.shop.test', commit: 'c' });
  const envs = () => scheduledBackups(db).map((s) => `${s.env} ${s.schedule}`);
  assert.deepEqual(envs(), ['preview-login 0 4 * * *', 'production 0 3 * * *']);
  previews.remove('shop', 'preview-login');
  assert.deepEqual(envs(), ['production 0 3 * * *']);
});
