import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planCompensation, planDeployment, type DeployTarget, type RunningRelease } from '../../src/deploy/plan.js';

const target: DeployTarget = {
  app: 'shop',
  env: 'production',
  deploymentId: 'dnew0001',
  image: 'shop:3f2a1b4c5d6e',
  replicas: 2,
  healthDeadlineMs: 60_000,
  drainMs: 30_000,
  releaseCommand: undefined,
  backup: false,
  keep: 2,
};
const name = (r: number) => `calma-shop-production-dnew0001-${r}`;

test('first deployment: start, health, switch, verify; nothing to drain', () => {
  assert.deepEqual(planDeployment([], target, name), [
    { kind: 'start', containers: [name(1), name(2)], image: 'shop:3f2a1b4c5d6e' },
    { kind: 'health', containers: [name(1), name(2)], deadlineMs: 60_000 },
    { kind: 'switch', containers: [name(1), name(2)] },
    { kind: 'verify' },
  ]);
});

test('redeploy: backup and release command run before the switch; blue drains, stops, and old releases beyond keep go', () => {
  const releases: RunningRelease[] = [
    { deploymentId: 'dold0003', containers: ['b1', 'b2'], running: true },
    { deploymentId: 'dold0002', containers: ['c1'], running: false },
    { deploymentId: 'dold0001', containers: ['d1'], running: false },
  ];
  const steps = planDeployment(releases, { ...target, backup: true, releaseCommand: ['./migrate'] }, name);
  assert.deepEqual(steps.map((s) => s.kind), ['backup', 'start', 'health', 'release', 'switch', 'verify', 'drain', 'stop', 'remove']);
  assert.deepEqual(steps[3], { kind: 'release', image: 'shop:3f2a1b4c5d6e', command: ['./migrate'] });
  assert.deepEqual(steps[6], { kind: 'drain', containers: ['b1', 'b2'], ms: 30_000 });
  assert.deepEqual(steps[7], { kind: 'stop', containers: ['b1', 'b2'] });
  // keep 2: the serving one (about to become previous) and one more stay
  assert.deepEqual(steps[8], { kind: 'remove', containers: ['d1'] });
});

test('a failure before the switch removes green only; after it, traffic goes back to blue first', () => {
  const start = { kind: 'start' as const, containers: ['g1', 'g2'], image: 'x' };
  assert.deepEqual(planCompensation([start, { kind: 'health', containers: ['g1', 'g2'], deadlineMs: 1 }], ['b1']), [{ kind: 'remove', containers: ['g1', 'g2'] }]);
  assert.deepEqual(planCompensation([start, { kind: 'switch', containers: ['g1', 'g2'] }], ['b1']), [
    { kind: 'switch', containers: ['b1'] },
    { kind: 'remove', containers: ['g1', 'g2'] },
  ]);
  assert.deepEqual(planCompensation([{ kind: 'backup' }], ['b1']), []);
});
