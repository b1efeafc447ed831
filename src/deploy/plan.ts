// The pure plan of one deployment: given what runs now and what should run,
// the ordered steps that move traffic without a failed request. The executor
// applies and journals them; this file decides only what and in which order.
//
//   backup -> services -> (stage) -> start green -> health -> release -> switch -> verify -> drain -> stop blue
//     -> remove services no longer defined -> remove releases beyond keep -> prune their images
//
// Nothing before `switch` touches what serves users, so a failure there only
// has to remove green. Blue is stopped, never removed, so a rollback can start
// it again; older releases beyond `keep` are removed last. Services dropped
// from calma.yml go only once green serves: blue may need them until it stops,
// and a failed deployment leaves the old release with all it ran with.
//
// An environment has two edge slots, a and b, each with fixed replica
// addresses. Green goes into the slot blue is not in, so the switch changes
// which slot is live, not what nginx's configuration says.

import type { Upstream } from '../proxy/routes.js';

export type Slot = 'a' | 'b';

export interface RunningRelease {
  deploymentId: string;
  /** Container names of this release's web replicas, running or stopped. */
  containers: string[];
  /** Their fixed addresses on calma's network, and the port they serve on. */
  addresses: string[];
  port: number;
  slot: Slot;
  running: boolean;
  /** The image id its containers were created from (what pruning beyond `keep` looks at). */
  imageId?: string;
}

export interface DeployTarget {
  app: string;
  env: string;
  deploymentId: string;
  image: string;
  replicas: number;
  healthDeadlineMs: number;
  drainMs: number;
  releaseCommand: string[] | undefined;
  backup: boolean;
  /** Whether calma.yml defines services to bring in line (start, or recreate when changed). */
  services: boolean;
  /** Services running in the environment that calma.yml no longer defines. */
  removedServices: string[];
  /** A backup to restore before green starts (`calma rollback --with-data`). */
  restoreBackup?: string;
  /** Releases kept (stopped) for rollback, besides the one serving. */
  keep: number;
  /** Green's slot (see greenSlot) and one reserved address per replica in it. */
  slot: Slot;
  addresses: string[];
  /** The other slot's reserved addresses: in the edge from the first release on, so later switches never reload it. */
  standbyAddresses: string[];
  /** The edge can load a route ahead of its release (and the environment has a domain to route). */
  stageEdge: boolean;
  port: number;
}

export type Step =
  | { kind: 'backup' }
  | { kind: 'services' }
  /** Put back a backup's data: the named one (a rollback with its data), or, as compensation, the one this deployment took. */
  | { kind: 'restore'; backupId?: string }
  /**
   * Nothing serves yet: load green's route now, answering 503 until the switch, so the
   * edge's reload runs while green starts. The switch then waits for it and reloads nothing.
   */
  | { kind: 'stage'; slot: Slot; live: Upstream[]; standby: Upstream[] }
  /** Compensation of `stage`: the environment's edge as it was before. */
  | { kind: 'unstage' }
  | { kind: 'start'; containers: string[]; image: string; slot: Slot; addresses: string[] }
  | { kind: 'health'; containers: string[]; addresses: string[]; deadlineMs: number }
  | { kind: 'release'; image: string; command: string[] }
  /** Make `slot` live with these replicas; `standby` is the other slot's (kept in the edge so the next switch needs no reload). */
  | { kind: 'switch'; containers: string[]; slot: Slot; live: Upstream[]; standby: Upstream[] }
  /** A request through the edge must reach one of these (green), healthy. */
  | { kind: 'verify'; upstreams: Upstream[] }
  | { kind: 'drain'; containers: string[]; upstreams: Upstream[]; ms: number }
  | { kind: 'stop'; containers: string[] }
  | { kind: 'remove'; containers: string[] }
  /** Images of the removed releases, where nothing else uses them (decided when it runs: see image-retention.ts). */
  | { kind: 'prune-images'; images: string[] }
  /** Service containers no longer in calma.yml (their volumes stay). */
  | { kind: 'remove-services'; services: string[] };

export type ContainerNamer = (replica: number) => string;

/**
 * @param releases what the engine holds for this environment, newest first
 *                 (the serving one is the running one).
 */
export function planDeployment(releases: readonly RunningRelease[], target: DeployTarget, name: ContainerNamer): Step[] {
  if (target.addresses.length !== target.replicas) throw new Error(`${target.replicas} replicas need as many addresses, got ${target.addresses.length}`);
  const green = Array.from({ length: target.replicas }, (_, i) => name(i + 1));
  const greenUps = upstreams(target.addresses, target.port);
  const blue = servingContainers(releases);
  const live = liveRelease(releases);
  const steps: Step[] = [];
  if (target.backup) steps.push({ kind: 'backup' });
  // A release still running in green's slot (left by an interruption) holds green's addresses; it serves nothing.
  const strays = releases.filter((r) => r.running && r !== live && r.slot === target.slot).flatMap((r) => r.containers);
  if (strays.length > 0) steps.push({ kind: 'stop', containers: strays });
  if (target.services) steps.push({ kind: 'services' });
  if (target.restoreBackup) steps.push({ kind: 'restore', backupId: target.restoreBackup });
  const standby = live ? upstreams(live.addresses, live.port) : upstreams(target.standbyAddresses, target.port);
  if (!live && target.stageEdge) steps.push({ kind: 'stage', slot: target.slot, live: greenUps, standby });
  steps.push({ kind: 'start', containers: green, image: target.image, slot: target.slot, addresses: target.addresses });
  steps.push({ kind: 'health', containers: green, addresses: target.addresses, deadlineMs: target.healthDeadlineMs });
  // The release command runs in a one-off container of the new image, beside green, before traffic moves.
  if (target.releaseCommand) steps.push({ kind: 'release', image: target.image, command: target.releaseCommand });
  steps.push({ kind: 'switch', containers: green, slot: target.slot, live: greenUps, standby });
  steps.push({ kind: 'verify', upstreams: greenUps });
  if (blue.length > 0) {
    const blueUps = releases.filter((r) => r.running).flatMap((r) => upstreams(r.addresses, r.port));
    steps.push({ kind: 'drain', containers: blue, upstreams: blueUps, ms: target.drainMs });
    steps.push({ kind: 'stop', containers: blue });
  }
  if (target.removedServices.length > 0) steps.push({ kind: 'remove-services', services: [...target.removedServices] });
  // After this deployment: green serves, and `keep` older releases stay for rollback.
  const stale = releases.slice(target.keep);
  if (stale.length > 0) steps.push({ kind: 'remove', containers: stale.flatMap((r) => r.containers) });
  const images = [...new Set(stale.flatMap((r) => (r.imageId ? [r.imageId] : [])))];
  if (images.length > 0) steps.push({ kind: 'prune-images', images });
  return steps;
}

export function upstreams(addresses: readonly string[], port: number): Upstream[] {
  // A container without an address label (made before calma pinned addresses) is not routable this way.
  return addresses.filter((a) => a !== '').map((host) => ({ host, port }));
}

/** The newest running release: the one the edge serves. */
export function liveRelease<R extends RunningRelease>(releases: readonly R[]): R | undefined {
  return releases.find((r) => r.running);
}

/**
 * Green goes into the slot the serving release is not in, b when nothing serves: a new
 * environment's staged edge file checks slot b's marker first (see renderEnvironmentConfig).
 */
export function greenSlot(releases: readonly RunningRelease[]): Slot {
  return liveRelease(releases)?.slot === 'b' ? 'a' : 'b';
}

/** The web containers serving now: where traffic goes back to if green fails. */
export function servingContainers(releases: readonly RunningRelease[]): string[] {
  return releases.filter((r) => r.running).flatMap((r) => r.containers);
}

/** The longest a failed green may take to finish what the edge sent it before it goes (it goes as soon as nothing is in flight). */
const UNDO_DRAIN_MS = 5000;

/**
 * What undoing a failed deployment takes, given the steps that already ran.
 * Failures after `verify` (drain, stop, remove) do not undo anything: green
 * already serves and was checked through the edge.
 */
export function planCompensation(done: readonly Step[], blue: readonly string[]): Step[] {
  const started = done.find((s): s is Extract<Step, { kind: 'start' }> => s.kind === 'start');
  const switched = done.find((s): s is Extract<Step, { kind: 'switch' }> => s.kind === 'switch');
  const steps: Step[] = [];
  // Staged (nothing served before): the edge goes back to what it was, which also stops any traffic to green.
  if (done.some((s) => s.kind === 'stage')) steps.push({ kind: 'unstage' });
  // Once traffic moved, it must move back to blue (in the other slot) before green goes away;
  // with no blue, the environment answers 503 rather than send requests to nothing.
  else if (switched) {
    const back: Slot = switched.slot === 'a' ? 'b' : 'a';
    steps.push(blue.length > 0 ? { kind: 'switch', containers: [...blue], slot: back, live: switched.standby, standby: switched.live } : { kind: 'switch', containers: [], slot: switched.slot, live: [], standby: [] });
    // Requests the edge sent green before the switch back are answered before it goes.
    steps.push({ kind: 'drain', containers: [...switched.containers], upstreams: switched.live, ms: UNDO_DRAIN_MS });
  }
  // The release command (migrations) ran, even if it failed half-way: the data goes back to
  // what the backup saved, so the old release meets the data it knew.
  if (done.some((s) => s.kind === 'backup') && done.some((s) => s.kind === 'release')) steps.push({ kind: 'restore' });
  if (started) steps.push({ kind: 'remove', containers: started.containers });
  return steps;
}
