import { test } from 'node:test';
import assert from 'node:assert/strict';
import { probeSettled, waitHealthy, type HealthDeps, type ProbeResult } from '../../src/deploy/health.js';
import { UserError } from '../../src/errors.js';

/** A fake clock and scripted probe answers per container. */
function deps(script: Record<string, ProbeResult[]>, stoppedAt: Record<string, number> = {}): HealthDeps & { probes: string[] } {
  let now = 0;
  const probes: string[] = [];
  return {
    probes,
    probe: async (t) => {
      probes.push(t.name);
      const answers = script[t.name]!;
      return answers.length > 1 ? answers.shift()! : answers[0]!;
    },
    stopped: async (t) => (stoppedAt[t.name] !== undefined && now >= stoppedAt[t.name]! ? 'exited with code 1' : undefined),
    sleep: async (ms) => {
      now += ms;
    },
    now: () => now,
  };
}
const settings = { path: '/up', intervalMs: 1000, timeoutMs: 500, deadlineMs: 5000 };
const targets = [
  { name: 'g1', host: '10.0.0.2', port: 8080 },
  { name: 'g2', host: '10.0.0.3', port: 8080 },
];

test('passes once every container answered 2xx, not probing a healthy one again', async () => {
  const d = deps({ g1: [{ ok: true, status: 200 }], g2: [{ ok: false, answer: 'ECONNREFUSED' }, { ok: false, answer: 'HTTP 503' }, { ok: true, status: 204 }] });
  await waitHealthy(targets, settings, d);
  assert.deepEqual(d.probes, ['g1', 'g2', 'g2', 'g2']);
});

test('fails at the deadline with each container\'s last answer', async () => {
  const d = deps({ g1: [{ ok: true, status: 200 }], g2: [{ ok: false, answer: 'HTTP 500' }] });
  await assert.rejects(waitHealthy(targets, settings, d), (e: unknown) => {
    assert.ok(e instanceof UserError);
    assert.equal(e.message, 'g2 not healthy within 5.0s (web.healthcheck.deadline)');
    assert.deepEqual(e.details, ['  g2: last answer: HTTP 500']);
    return true;
  });
});

test('a container that exits fails the gate at once', async () => {
  const d = deps({ g1: [{ ok: false, answer: 'ECONNREFUSED' }], g2: [{ ok: false, answer: 'ECONNREFUSED' }] }, { g1: 2000 });
  await assert.rejects(waitHealthy(targets, settings, d), /container g1 exited with code 1 before it became healthy/);
  assert.ok(d.now() < settings.deadlineMs);
});

/** probeSettled with scripted answers, counting what it did between them. */
function settle(answers: ProbeResult[], attempts = 3) {
  const did: string[] = [];
  const run = probeSettled(
    async () => {
      did.push('probe');
      return answers.shift()!;
    },
    { attempts, pauseMs: 500, beforeRetry: async () => void did.push('forget'), sleep: async (ms) => void did.push(`sleep ${ms}`) },
  );
  return { run, did };
}

test('probeSettled: a first 2xx is taken at once', async () => {
  const s = settle([{ ok: true, status: 200 }]);
  assert.deepEqual(await s.run, { ok: true, status: 200 });
  assert.deepEqual(s.did, ['probe']);
});

test('probeSettled: a lost answer is tried again after beforeRetry and a pause', async () => {
  const s = settle([{ ok: false, answer: 'EHOSTUNREACH' }, { ok: true, status: 204 }]);
  assert.deepEqual(await s.run, { ok: true, status: 204 });
  assert.deepEqual(s.did, ['probe', 'forget', 'sleep 500', 'probe']);
});

test('probeSettled: after every attempt failed, the last answer', async () => {
  const s = settle([{ ok: false, answer: 'EHOSTUNREACH' }, { ok: false, answer: 'HTTP 502' }, { ok: false, answer: 'HTTP 503' }, { ok: true, status: 200 }]);
  assert.deepEqual(await s.run, { ok: false, answer: 'HTTP 503' });
  assert.deepEqual(s.did, ['probe', 'forget', 'sleep 500', 'probe', 'forget', 'sleep 500', 'probe']);
});

/** A fake clock that records each sleep and each engine check; `answer(now)` scripts one container's probes. */
function timed(answer: (now: number) => ProbeResult, exitsAt = Infinity) {
  let now = 0;
  const sleeps: number[] = [];
  let engineChecks = 0;
  const d: HealthDeps = {
    probe: async () => answer(now),
    stopped: async () => {
      engineChecks++;
      return now >= exitsAt ? 'exited with code 1' : undefined;
    },
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    now: () => now,
  };
  return { d, sleeps, checks: () => engineChecks, now: () => now };
}

test('a container that refuses connections is asked again after 25 ms, not after the interval; any other answer waits the interval', async () => {
  // Listening from 300 ms on, answering 503 until 1,000 ms, then 200.
  const t = timed((now) => (now < 300 ? { ok: false, answer: 'ECONNREFUSED' } : now < 1000 ? { ok: false, answer: 'HTTP 503' } : { ok: true, status: 200 }));
  await waitHealthy([targets[0]!], settings, t.d);
  assert.deepEqual(t.sleeps, [...Array(12).fill(25), 1000], 'refused up to 300 ms in 25 ms steps, then one interval after the 503');
  assert.equal(t.now(), 1300);
});

test('while refusing, the engine is asked whether the container runs only once per interval, and an exit is still caught', async () => {
  const t = timed(() => ({ ok: false, answer: 'ECONNREFUSED' }), 2500);
  await assert.rejects(waitHealthy([targets[0]!], settings, t.d), /g1 exited with code 1 before it became healthy/);
  assert.equal(t.checks(), 4, 'at 0, 1,000, 2,000 and 3,000 ms');
  assert.equal(t.now(), 3000);
});
