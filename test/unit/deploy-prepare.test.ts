// A deployment prepared while its release builds: the route staged early must be
// the one the plan's stage step asks for, so the edge loads it once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { getPriority } from 'node:os';
import { planDeployment, type DeployTarget } from '../../src/deploy/plan.js';
import { stagedRoute, webRoute, type Prepared } from '../../src/deploy/prepare.js';
import { NginxEdgePort } from '../../src/deploy/nginx-edge.js';
import type { Edge } from '../../src/proxy/edge.js';
import type { Route } from '../../src/proxy/routes.js';
import { loweredWhileLoading } from '../../src/proxy/load-priority.js';

const web = { domains: ['shop.example.com'], port: 3000, maxBodyBytes: 1024, https: false, hsts: true };
const prepared = (running: boolean): Prepared => ({
  releases: running ? [{ deploymentId: 'd1', release: 'shop:production:v1', containers: ['c1'], addresses: ['10.210.128.1'], port: 3000, slot: 'a', running, runningNow: [running], created: 1 }] : [],
  network: { id: 'n', subnet: '10.210.0.0/16' },
  services: [],
  slot: 'b',
  addresses: ['10.210.128.0'],
  standbyAddresses: ['10.210.128.1'],
  forgotten: Promise.resolve(),
});

test("the early route is exactly what the plan's stage step loads, release aside", () => {
  const p = prepared(false);
  const target = { app: 'shop', env: 'production', deploymentId: 'd2', image: 'shop:v2', replicas: 1, healthDeadlineMs: 1000, drainMs: 0, releaseCommand: undefined, backup: false, services: false, removedServices: [], keep: 2, slot: p.slot, addresses: p.addresses, standbyAddresses: p.standbyAddresses, stageEdge: true, port: 3000 } satisfies DeployTarget;
  const stage = planDeployment([], target, (r) => `c${r}`).find((s) => s.kind === 'stage');
  assert.ok(stage && stage.kind === 'stage');
  assert.deepEqual(stagedRoute('shop', 'production', web, p), webRoute('shop', 'production', web, stage.slot, stage.live, stage.standby));
});

test('nothing is staged early for an environment that serves, or that has no domain', () => {
  assert.equal(stagedRoute('shop', 'production', web, prepared(true)), undefined);
  assert.equal(stagedRoute('shop', 'production', { ...web, domains: [] }, prepared(false)), undefined);
});

/** An Edge that records what it is asked; loading takes until `finish` is called. */
function fakeEdge() {
  const calls: string[] = [];
  let finish = (): void => undefined;
  const edge = {
    settings: { prefix: '/nonexistent' },
    stage: (r: Route) => {
      calls.push(`stage ${r.release ?? '-'}`);
      return new Promise<void>((resolve) => (finish = resolve));
    },
    open: async (r: Route) => void calls.push(`open ${r.release ?? '-'}`),
    apply: async (r: Route) => (calls.push(`apply ${r.release ?? '-'}`), true),
    restore: async () => void calls.push('restore'),
    state: () => ({ text: null, slotB: false, serving: false }),
  };
  return { calls, finish: () => finish(), port: new NginxEdgePort(edge as unknown as Edge) };
}

test('staging the same route again, once the release is named, loads nothing more; the switch then only opens it', async () => {
  const { calls, finish, port } = fakeEdge();
  const early = stagedRoute('shop', 'production', web, prepared(false))!;
  const first = port.stage(early);
  const again = port.stage({ ...early, release: 'v2' });
  finish();
  await Promise.all([first, again]);
  await port.apply({ ...early, release: 'v2' });
  assert.deepEqual(calls, ['stage -', 'open v2']);
});

test('a different route is staged anew; unstaging waits for a staging under way, then puts the edge back', async () => {
  const { calls, finish, port } = fakeEdge();
  const early = stagedRoute('shop', 'production', web, prepared(false))!;
  void port.stage(early);
  void port.stage({ ...early, domains: ['other.example.com'] });
  const undone = port.unstage('shop', 'production');
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(calls, ['stage -', 'stage -'], 'not restored while loading');
  finish();
  await undone;
  assert.deepEqual(calls, ['stage -', 'stage -', 'restore']);
  await port.unstage('shop', 'production');
  assert.equal(calls.length, 3, 'a second unstage finds nothing to undo');
});

test('nginx loads a configuration niced, and its processes get their priority back (as root)', async (t) => {
  if (process.getuid?.() !== 0) {
    const child = spawn('sleep', ['5']);
    t.after(() => child.kill());
    loweredWhileLoading(child.pid!, () => [])();
    assert.equal(getPriority(child.pid!), getPriority(), 'not root: nothing lowered');
    return;
  }
  const master = spawn('sleep', ['5']);
  const worker = spawn('sleep', ['5']);
  t.after(() => (master.kill(), worker.kill()));
  const base = getPriority(master.pid!);
  const restore = loweredWhileLoading(master.pid!, () => [worker.pid!]);
  assert.equal(getPriority(master.pid!), Math.min(19, base + 10));
  // A worker forked meanwhile inherits the master's nice value.
  const { setPriority } = await import('node:os');
  setPriority(worker.pid!, Math.min(19, base + 10));
  restore();
  assert.equal(getPriority(master.pid!), base);
  assert.equal(getPriority(worker.pid!), base);
});
