import { test } from 'node:test';
import assert from 'node:assert/strict';
import { greenSlot, planCompensation, planDeployment, type DeployTarget, type RunningRelease, type Step } from '../../src/deploy/plan.js';

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
  services: false,
  removedServices: [],
  keep: 2,
  slot: 'a',
  addresses: ['10.210.128.0', '10.210.128.1'],
  standbyAddresses: ['10.210.128.2', '10.210.128.3'],
  stageEdge: true,
  port: 3000,
};
const name = (r: number) => `calma-shop-production-dnew0001-${r}`;
const ups = (...hosts: string[]) => hosts.map((host) => ({ host, port: 3000 }));
const release = (id: string, slot: 'a' | 'b', running: boolean, containers: string[], addresses: string[]): RunningRelease => ({ deploymentId: id, containers, addresses, port: 3000, slot, running });

test('first deployment: stage, start, health, switch, verify; the other slot is in the edge already, nothing to drain', () => {
  assert.deepEqual(planDeployment([], target, name), [
    { kind: 'stage', slot: 'a', live: ups('10.210.128.0', '10.210.128.1'), standby: ups('10.210.128.2', '10.210.128.3') },
    { kind: 'start', containers: [name(1), name(2)], image: 'shop:3f2a1b4c5d6e', slot: 'a', addresses: ['10.210.128.0', '10.210.128.1'] },
    { kind: 'health', containers: [name(1), name(2)], addresses: ['10.210.128.0', '10.210.128.1'], deadlineMs: 60_000 },
    { kind: 'switch', containers: [name(1), name(2)], slot: 'a', live: ups('10.210.128.0', '10.210.128.1'), standby: ups('10.210.128.2', '10.210.128.3') },
    { kind: 'verify', upstreams: ups('10.210.128.0', '10.210.128.1') },
  ]);
});

test('the edge loads green\'s route ahead of it only when nothing serves and it can', () => {
  const kinds = (releases: RunningRelease[], stageEdge: boolean) => planDeployment(releases, { ...target, stageEdge }, name).map((s) => s.kind);
  assert.deepEqual(kinds([], false).slice(0, 2), ['start', 'health'], 'no domain (or an edge that cannot stage): the switch does it all');
  assert.deepEqual(kinds([release('d1', 'b', true, ['b1'], ['10.0.0.2'])], true).slice(0, 2), ['start', 'health'], 'a redeploy changes no file: nothing to stage');
  assert.deepEqual(kinds([release('d1', 'b', false, ['b1'], ['10.0.0.2'])], true)[0], 'stage', 'an environment whose release is stopped serves nothing: staged');
});

test('green goes into the slot blue is not in', () => {
  assert.equal(greenSlot([]), 'b', 'a new environment: b, which its staged edge file checks first');
  assert.equal(greenSlot([release('d2', 'a', true, ['x'], ['10.0.0.1'])]), 'b');
  assert.equal(greenSlot([release('d3', 'b', true, ['y'], ['10.0.0.2']), release('d2', 'a', false, ['x'], ['10.0.0.1'])]), 'a');
  assert.equal(greenSlot([release('d2', 'a', false, ['x'], ['10.0.0.1'])]), 'b', 'nothing serves: b');
});

test('redeploy: backup and release command run before the switch; blue drains, stops, and old releases beyond keep go', () => {
  const releases: RunningRelease[] = [
    release('dold0003', 'b', true, ['b1', 'b2'], ['10.210.128.2', '10.210.128.3']),
    release('dold0002', 'a', false, ['c1'], ['10.210.128.0']),
    release('dold0001', 'b', false, ['d1'], ['10.210.128.2']),
  ];
  const steps = planDeployment(releases, { ...target, backup: true, releaseCommand: ['./migrate'] }, name);
  assert.deepEqual(steps.map((s) => s.kind), ['backup', 'start', 'health', 'release', 'switch', 'verify', 'drain', 'stop', 'remove']);
  assert.deepEqual(steps[3], { kind: 'release', image: 'shop:3f2a1b4c5d6e', command: ['./migrate'] });
  // The standby slot is blue as it runs: the same addresses the edge had, so the file does not change.
  assert.deepEqual(steps[4], { kind: 'switch', containers: [name(1), name(2)], slot: 'a', live: ups('10.210.128.0', '10.210.128.1'), standby: ups('10.210.128.2', '10.210.128.3') });
  assert.deepEqual(steps[6], { kind: 'drain', containers: ['b1', 'b2'], upstreams: ups('10.210.128.2', '10.210.128.3'), ms: 30_000 });
  assert.deepEqual(steps[7], { kind: 'stop', containers: ['b1', 'b2'] });
  // keep 2: the serving one (about to become previous) and one more stay
  assert.deepEqual(steps[8], { kind: 'remove', containers: ['d1'] });
});

test('releases beyond keep are removed, then their images are offered for pruning (once each)', () => {
  const withImage = (r: RunningRelease, imageId: string): RunningRelease => ({ ...r, imageId });
  const releases: RunningRelease[] = [
    withImage(release('d4', 'b', true, ['b1'], ['10.0.0.2']), 'sha256:four'),
    withImage(release('d3', 'a', false, ['a3'], ['10.0.0.1']), 'sha256:three'),
    withImage(release('d2', 'b', false, ['b2'], ['10.0.0.2']), 'sha256:two'),
    withImage(release('d1', 'a', false, ['a1'], ['10.0.0.1']), 'sha256:two'),
  ];
  const steps = planDeployment(releases, { ...target, replicas: 1, addresses: ['10.0.0.1'], standbyAddresses: ['10.0.0.2'], keep: 2 }, name);
  assert.deepEqual(steps.slice(-2), [
    { kind: 'remove', containers: ['b2', 'a1'] },
    { kind: 'prune-images', images: ['sha256:two'] },
  ]);
  const keepAll = planDeployment(releases, { ...target, replicas: 1, addresses: ['10.0.0.1'], standbyAddresses: ['10.0.0.2'], keep: 4 }, name);
  assert.deepEqual(keepAll.filter((s) => s.kind === 'remove' || s.kind === 'prune-images'), [], 'keep 4: the serving one and three more stay, nothing goes');
  const keepOne = planDeployment(releases, { ...target, replicas: 1, addresses: ['10.0.0.1'], standbyAddresses: ['10.0.0.2'], keep: 1 }, name);
  assert.deepEqual(keepOne.slice(-1), [{ kind: 'prune-images', images: ['sha256:three', 'sha256:two'] }], 'keep 1: only the release green replaces stays');
});

test('a release left running in green\'s slot is stopped before green takes its addresses', () => {
  const releases = [release('d3', 'b', true, ['b1'], ['10.0.0.2']), release('d2', 'a', true, ['a1'], ['10.0.0.1'])];
  const steps = planDeployment(releases, { ...target, replicas: 1, addresses: ['10.0.0.1'], standbyAddresses: ['10.0.0.2'] }, name);
  assert.deepEqual(steps[0], { kind: 'stop', containers: ['a1'] });
  assert.equal(steps[1]?.kind, 'start');
});

test('a failure before the switch removes green only; after it, traffic goes back to blue\'s slot first', () => {
  const start: Step = { kind: 'start', containers: ['g1', 'g2'], image: 'x', slot: 'a', addresses: ['10.0.0.1', '10.0.0.2'] };
  const switched: Step = { kind: 'switch', containers: ['g1', 'g2'], slot: 'a', live: ups('10.0.0.1', '10.0.0.2'), standby: ups('10.0.0.9') };
  assert.deepEqual(planCompensation([start, { kind: 'health', containers: ['g1', 'g2'], addresses: ['10.0.0.1', '10.0.0.2'], deadlineMs: 1 }], ['b1']), [{ kind: 'remove', containers: ['g1', 'g2'] }]);
  assert.deepEqual(planCompensation([start, switched], ['b1']), [
    { kind: 'switch', containers: ['b1'], slot: 'b', live: ups('10.0.0.9'), standby: ups('10.0.0.1', '10.0.0.2') },
    // What the edge sent green before the switch back is answered before green goes.
    { kind: 'drain', containers: ['g1', 'g2'], upstreams: ups('10.0.0.1', '10.0.0.2'), ms: 5000 },
    { kind: 'remove', containers: ['g1', 'g2'] },
  ]);
  // No blue (a first deployment): the environment answers 503 rather than route to an empty slot.
  assert.deepEqual(planCompensation([start, switched], [])[0], { kind: 'switch', containers: [], slot: 'a', live: [], standby: [] });
  assert.deepEqual(planCompensation([{ kind: 'backup' }], ['b1']), []);
  // Staged: the edge goes back to what it was before (which also cuts green off), then green goes.
  const stage: Step = { kind: 'stage', slot: 'a', live: ups('10.0.0.1', '10.0.0.2'), standby: ups('10.0.0.9') };
  assert.deepEqual(planCompensation([stage, start, switched], []), [{ kind: 'unstage' }, { kind: 'remove', containers: ['g1', 'g2'] }]);
  assert.deepEqual(planCompensation([stage], []), [{ kind: 'unstage' }], 'failed before green started');
});

test('services are brought in line after the backup and before green; a rollback with data restores before green starts', () => {
  const steps = planDeployment([release('d1', 'b', true, ['b1'], ['10.0.0.2'])], { ...target, backup: true, services: true, restoreBackup: 'bk0000001' }, name);
  assert.deepEqual(steps.slice(0, 4).map((s) => s.kind), ['backup', 'services', 'restore', 'start']);
  assert.deepEqual(steps[2], { kind: 'restore', backupId: 'bk0000001' });
});

test('services dropped from calma.yml are removed only once green serves and blue has stopped', () => {
  const releases = [release('d1', 'b', true, ['b1'], ['10.0.0.2']), release('d0', 'a', false, ['a0'], ['10.0.0.1'])];
  const steps = planDeployment(releases, { ...target, replicas: 1, addresses: ['10.0.0.1'], standbyAddresses: ['10.0.0.2'], services: true, removedServices: ['cache'], keep: 1 }, name);
  assert.deepEqual(steps.map((s) => s.kind), ['services', 'start', 'health', 'switch', 'verify', 'drain', 'stop', 'remove-services', 'remove']);
  assert.deepEqual(steps[7], { kind: 'remove-services', services: ['cache'] });
  // A failure up to verify never reaches it, and undoing has nothing of it to put back.
  assert.deepEqual(planCompensation(steps.slice(0, 4), ['b1']).map((s) => s.kind), ['switch', 'drain', 'remove']);
  const first = planDeployment([], { ...target, services: false, removedServices: ['db'] }, name);
  assert.deepEqual(first.map((s) => s.kind), ['stage', 'start', 'health', 'switch', 'verify', 'remove-services'], 'with nothing to drain, right after verify');
});

test('once the release command ran (even failing), undoing puts the backup back', () => {
  const start: Step = { kind: 'start', containers: ['g1'], image: 'x', slot: 'a', addresses: ['10.0.0.1'] };
  const migrate: Step = { kind: 'release', image: 'x', command: ['./migrate'] };
  assert.deepEqual(planCompensation([{ kind: 'backup' }, start, migrate], ['b1']), [{ kind: 'restore' }, { kind: 'remove', containers: ['g1'] }]);
  assert.deepEqual(planCompensation([start, migrate], ['b1']), [{ kind: 'remove', containers: ['g1'] }], 'no backup, nothing to restore');
  assert.deepEqual(planCompensation([{ kind: 'backup' }, start], ['b1']), [{ kind: 'remove', containers: ['g1'] }], 'no release command ran: the data is untouched');
});
