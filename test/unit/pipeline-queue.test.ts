import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PipelineQueue, type QueueJob } from '../../src/pipeline/queue.js';

function job(id: string, log: string[]): QueueJob & { finish(): void } {
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  return {
    id,
    run: () => {
      log.push(`run ${id}`);
      return done;
    },
    superseded: (by) => log.push(`superseded ${id} by ${by}`),
    cancelled: () => log.push(`cancelled ${id}`),
    finish,
  };
}

const tick = () => new Promise((r) => setImmediate(r));

test('one job runs per key; the newest waits, older waiting ones are superseded', async () => {
  const log: string[] = [];
  const q = new PipelineQueue();
  const [a, b, c] = [job('a', log), job('b', log), job('c', log)];
  assert.equal(q.submit('shop/production', a), 'started');
  assert.equal(q.submit('shop/production', b), 'queued');
  assert.equal(q.submit('shop/production', c), 'queued');
  assert.equal(q.runningId('shop/production'), 'a');
  a.finish();
  await tick();
  await tick();
  assert.deepEqual(log, ['run a', 'superseded b by c', 'run c']);
  c.finish();
  await tick();
  await tick();
  assert.equal(q.busy('shop/production'), false);
});

test('keys do not wait for each other', () => {
  const log: string[] = [];
  const q = new PipelineQueue();
  assert.equal(q.submit('shop/production', job('a', log)), 'started');
  assert.equal(q.submit('shop/staging', job('b', log)), 'started');
  assert.deepEqual(log, ['run a', 'run b']);
});

test('cancel: a waiting job never runs; a running one is left to its owner; unknown ids are undefined', async () => {
  const log: string[] = [];
  const q = new PipelineQueue();
  const [a, b] = [job('a', log), job('b', log)];
  q.submit('k', a);
  q.submit('k', b);
  assert.equal(q.cancel('b'), 'queued');
  assert.equal(q.cancel('a'), 'running');
  assert.equal(q.cancel('zzz'), undefined);
  a.finish();
  await tick();
  await tick();
  assert.deepEqual(log, ['run a', 'cancelled b']);
  assert.equal(q.busy('k'), false);
});
