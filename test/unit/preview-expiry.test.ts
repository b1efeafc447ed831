import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { expirePreviews } from '../../src/pipeline/expire.js';
import type { Pipelines } from '../../src/pipeline/pipelines.js';
import { openDb } from '../../src/state/db.js';
import { StateFeed } from '../../src/state/feed.js';
import { Journal } from '../../src/state/journal.js';
import { PreviewStore } from '../../src/state/previews.js';

/** An app whose calma.yml keeps previews 20 s, and an expirer counting its sweeps (the clock mocked from 0). */
function setUp(withFeed: boolean) {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const db = openDb(':memory:');
  const feed = new StateFeed();
  const previews = new PreviewStore(db, feed);
  new Journal(db).recordRelease({ id: 'shop:production:v1', app: 'shop', env: 'production', image: 'shop:v1', version: 'v1', commit: 'c', branch: 'main', configJson: JSON.stringify({ previews: { ttl: 20_000 } }) });
  let sweeps = 0;
  const pipelines = { expire: async () => (sweeps++, []) } as unknown as Pipelines;
  const stop = expirePreviews(pipelines, previews, db, () => undefined, withFeed ? { feed } : {});
  const push = (env = 'preview-login') => previews.pushed({ app: 'shop', env, branch: env, label: env, domain: `${env}.shop.test`, commit: 'c' });
  return { sweeps: () => sweeps, push, stop };
}

for (const withFeed of [true, false]) {
  test(`a first preview with a 20 s ttl is looked at 10 s after it appears, not at the minute the empty daemon planned${withFeed ? '' : ' (without the feed: the minute)'}`, async () => {
    const s = setUp(withFeed);
    try {
      mock.timers.tick(5_000);
      s.push();
      mock.timers.tick(10_000);
      await Promise.resolve();
      assert.equal(s.sweeps(), withFeed ? 1 : 0);
      mock.timers.tick(45_000);
      await Promise.resolve();
      assert.ok(s.sweeps() >= 1, 'the planned sweep still comes');
    } finally {
      s.stop();
      mock.timers.reset();
    }
  });
}

test('new previews never push the next sweep back', async () => {
  const s = setUp(true);
  try {
    s.push();
    // A new preview every 4 s: each plans "10 s from now", later than the sweep already due at 10 s.
    for (const env of ['preview-a', 'preview-b']) {
      mock.timers.tick(4_000);
      s.push(env);
    }
    mock.timers.tick(2_000);
    await Promise.resolve();
    assert.equal(s.sweeps(), 1, 'swept 10 s after the first preview');
  } finally {
    s.stop();
    mock.timers.reset();
  }
});
