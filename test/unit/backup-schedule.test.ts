import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { BackupScheduler } from '../../src/backup/schedule.js';

type Logged = [string, Record<string, unknown> | undefined];

/** A scheduler whose log lines are collected in `logs`. */
function scheduler(run: (app: string, env: string) => Promise<void>, now?: () => Date): { s: BackupScheduler; logs: Logged[] } {
  const logs: Logged[] = [];
  return { s: new BackupScheduler(run, (msg, fields) => logs.push([msg, fields]), now), logs };
}

const idle = async (): Promise<void> => {};
// Local times, as croner reads schedules in the server's time zone.
const at = (hour: number, minute = 0): Date => new Date(2030, 0, 1, hour, minute);
const NOW = (): Date => at(2);

test('next() is the next run of an environment from now, and undefined without a schedule', () => {
  const { s } = scheduler(idle, NOW);
  s.sync([{ app: 'shop', env: 'production', schedule: '0 3 * * *' }, { app: 'shop', env: 'staging', schedule: '*/20 * * * *' }]);
  assert.deepEqual(s.next('shop', 'production'), at(3));
  assert.deepEqual(s.next('shop', 'staging'), at(2, 20));
  assert.equal(s.next('shop', 'preview'), undefined);
  s.stop();
  assert.equal(s.next('shop', 'production'), undefined);
});

test('sync() starts new schedules, replaces changed ones, stops gone ones and leaves the same ones alone', () => {
  const { s, logs } = scheduler(idle, NOW);
  const production = { app: 'shop', env: 'production', schedule: '0 3 * * *' };
  s.sync([production, { app: 'shop', env: 'staging', schedule: '0 4 * * *' }]);
  logs.length = 0;
  s.sync([production, { app: 'shop', env: 'staging', schedule: '30 4 * * *' }, { app: 'blog', env: 'production', schedule: '0 5 * * *' }]);
  assert.deepEqual(logs, [
    ['backup schedule set', { app: 'shop', env: 'staging', schedule: '30 4 * * *', next: at(4, 30).toISOString() }],
    ['backup schedule set', { app: 'blog', env: 'production', schedule: '0 5 * * *', next: at(5).toISOString() }],
  ]);
  logs.length = 0;
  s.sync([production]);
  assert.deepEqual(logs, [
    ['backup schedule removed', { app: 'shop', env: 'staging' }],
    ['backup schedule removed', { app: 'blog', env: 'production' }],
  ]);
  assert.deepEqual(s.next('shop', 'production'), at(3));
  assert.equal(s.next('shop', 'staging'), undefined);
  s.stop();
});

test('syncOne() changes one environment and leaves every other job alone', () => {
  const { s, logs } = scheduler(idle, NOW);
  s.sync([{ app: 'shop', env: 'production', schedule: '0 3 * * *' }, { app: 'blog', env: 'production', schedule: '0 5 * * *' }]);
  logs.length = 0;
  s.syncOne('shop', 'production', '0 3 * * *');
  assert.deepEqual(logs, [], 'the same schedule: the job keeps its timer');
  s.syncOne('shop', 'production', '30 4 * * *');
  s.syncOne('shop', 'staging', '0 6 * * *');
  assert.deepEqual(s.next('shop', 'production'), at(4, 30));
  assert.deepEqual(s.next('shop', 'staging'), at(6));
  logs.length = 0;
  s.syncOne('shop', 'production', undefined);
  assert.deepEqual(logs, [['backup schedule removed', { app: 'shop', env: 'production' }]]);
  assert.equal(s.next('shop', 'production'), undefined);
  assert.deepEqual(s.next('blog', 'production'), at(5), 'another app is untouched');
  s.stop();
});

test('a schedule croner refuses is logged and left out; the others are kept', () => {
  const { s, logs } = scheduler(idle, NOW);
  s.sync([{ app: 'shop', env: 'production', schedule: 'every night' }, { app: 'blog', env: 'production', schedule: '0 3 * * *' }]);
  assert.equal(s.next('shop', 'production'), undefined);
  assert.deepEqual(s.next('blog', 'production'), at(3));
  assert.deepEqual(logs.map(([msg, fields]) => [msg, fields?.app]), [['backup schedule refused', 'shop'], ['backup schedule set', 'blog']]);
  s.stop();
});

/** Polls until `condition` holds; bounded, so a broken scheduler fails rather than hangs. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

test('a backup still running skips the next tick, even after its schedule changed; a failing one is logged', async () => {
  let started = 0;
  let finish = (): void => {};
  const run = (app: string): Promise<void> => {
    if (app === 'broken') return Promise.reject(new Error('disk full'));
    started++;
    return new Promise((resolve) => { finish = resolve; });
  };
  const { s, logs } = scheduler(run);
  const broken = { app: 'broken', env: 'production', schedule: '* * * * * *' };
  const skipped = (): boolean => logs.some(([msg, fields]) => msg.startsWith('scheduled backup skipped') && fields?.app === 'slow');
  try {
    s.sync([{ app: 'slow', env: 'production', schedule: '* * * * * *' }, broken]);
    await until(() => started === 1, 'the first run');
    // A new job for the same environment: its ticks wait for the old job's run as well.
    s.sync([{ app: 'slow', env: 'production', schedule: '*/1 * * * * *' }, broken]);
    await until(skipped, 'a skipped tick');
    assert.equal(started, 1);
    assert.deepEqual(logs.find(([msg]) => msg === 'scheduled backup failed'), [
      'scheduled backup failed', { app: 'broken', env: 'production', error: 'disk full' },
    ]);
    finish();
    await until(() => started === 2, 'a run once the first one finished');
  } finally {
    s.stop();
    finish();
  }
});
