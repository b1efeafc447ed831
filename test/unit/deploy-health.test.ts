import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitHealthy, type HealthDeps, type ProbeResult } from '../../src/deploy/health.js';
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
