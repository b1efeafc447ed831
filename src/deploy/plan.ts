// The pure plan of one deployment: given what runs now and what should run,
// the ordered steps that move traffic without a failed request. The executor
// applies and journals them; this file decides only what and in which order.
//
//   backup -> start green -> health -> release -> switch -> verify -> drain -> stop blue -> prune
//
// Nothing before `switch` touches what serves users, so a failure there only
// has to remove green. Blue is stopped, never removed, so a rollback can start
// it again; older releases beyond `keep` are removed last.

export interface RunningRelease {
  deploymentId: string;
  /** Container names of this release's web replicas, running or stopped. */
  containers: string[];
  running: boolean;
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
  /** Releases kept (stopped) for rollback, besides the one serving. */
  keep: number;
}

export type Step =
  | { kind: 'backup' }
  | { kind: 'start'; containers: string[]; image: string }
  | { kind: 'health'; containers: string[]; deadlineMs: number }
  | { kind: 'release'; image: string; command: string[] }
  | { kind: 'switch'; containers: string[] }
  | { kind: 'verify' }
  | { kind: 'drain'; containers: string[]; ms: number }
  | { kind: 'stop'; containers: string[] }
  | { kind: 'remove'; containers: string[] };

export type ContainerNamer = (replica: number) => string;

/**
 * @param releases what the engine holds for this environment, newest first
 *                 (the serving one is the running one).
 */
export function planDeployment(releases: readonly RunningRelease[], target: DeployTarget, name: ContainerNamer): Step[] {
  const green = Array.from({ length: target.replicas }, (_, i) => name(i + 1));
  const blue = servingContainers(releases);
  const steps: Step[] = [];
  if (target.backup) steps.push({ kind: 'backup' });
  steps.push({ kind: 'start', containers: green, image: target.image });
  steps.push({ kind: 'health', containers: green, deadlineMs: target.healthDeadlineMs });
  // The release command runs in a one-off container of the new image, beside green, before traffic moves.
  if (target.releaseCommand) steps.push({ kind: 'release', image: target.image, command: target.releaseCommand });
  steps.push({ kind: 'switch', containers: green });
  steps.push({ kind: 'verify' });
  if (blue.length > 0) {
    steps.push({ kind: 'drain', containers: blue, ms: target.drainMs });
    steps.push({ kind: 'stop', containers: blue });
  }
  // After this deployment: green serves, and `keep` older releases stay for rollback.
  const stale = releases.slice(target.keep).flatMap((r) => r.containers);
  if (stale.length > 0) steps.push({ kind: 'remove', containers: stale });
  return steps;
}

/** The web containers serving now: where traffic goes back to if green fails. */
export function servingContainers(releases: readonly RunningRelease[]): string[] {
  return releases.filter((r) => r.running).flatMap((r) => r.containers);
}

/**
 * What undoing a failed deployment takes, given the steps that already ran.
 * Failures after `verify` (drain, stop, remove) do not undo anything: green
 * already serves and was checked through the edge.
 */
export function planCompensation(done: readonly Step[], blue: readonly string[]): Step[] {
  const started = done.find((s): s is Extract<Step, { kind: 'start' }> => s.kind === 'start');
  const steps: Step[] = [];
  // Once traffic moved, it must move back to blue before green goes away.
  if (done.some((s) => s.kind === 'switch')) steps.push({ kind: 'switch', containers: [...blue] });
  if (started) steps.push({ kind: 'remove', containers: started.containers });
  return steps;
}
