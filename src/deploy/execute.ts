// Applies a deployment plan: each step journalled before it acts, and a
// failure before traffic has safely moved undone by the compensation plan, so
// blue keeps serving. Steps after `verify` are housekeeping: their failures
// are reported but do not undo a release that is already serving and checked.
import type Docker from 'dockerode';
import { errorMessage } from '../errors.js';
import type { VolumeSpec } from '../config/schema.js';
import type { Route, Upstream } from '../proxy/routes.js';
import type { Journal } from '../state/journal.js';
import type { HealthDeps, HealthSettings, ProbeResult } from './health.js';
import { planCompensation, type DeployTarget, type Step } from './plan.js';
import { StepRunner } from './step-runner.js';

/** What the executor needs of the edge; the daemon passes its managed nginx. */
export interface EdgePort {
  apply(route: Route): Promise<void>;
  /**
   * Loads a route ahead of its release, answering 503 until apply() of the same
   * route, which then needs no reload: a new environment's reload runs while its
   * containers start. Without it, apply() does all the work at the switch.
   */
  stage?(route: Route): Promise<void>;
  /** After a failed deployment that staged: the environment's edge as it was before stage(). */
  unstage?(app: string, env: string): Promise<void>;
  /** Environments whose staged route was never opened (a deployment that never reached its switch). */
  unopenedStages?(): { app: string; env: string }[];
  /** A request through the edge, as a user's would arrive. */
  probe(domain: string, path: string, timeoutMs: number): Promise<ProbeResult>;
  /** Resolves once the requests on these (old) upstreams, sent before the last switch, are finished (at most ms). */
  drained(upstreams: readonly Upstream[], ms: number): Promise<void>;
  remove(app: string, env: string): Promise<void>;
  /** Runs fn with one edge reload at its end for all the route changes it makes (the start-up's reconcile). */
  batch?<T>(fn: () => Promise<T>): Promise<T>;
}

export interface WebSpec {
  release: string;
  domains: string[];
  port: number;
  command: string[] | undefined;
  environment: Record<string, string>;
  volumes: readonly VolumeSpec[];
  healthcheck: HealthSettings;
  maxBodyBytes: number;
  /** calma.yml https and hsts: a certificate is wanted, and HSTS sent once it is served. */
  https: boolean;
  hsts: boolean;
  releaseTimeoutMs: number;
  dns?: string[];
  /** The environment's private network (where its services are), joined besides calma-edge. */
  network?: string;
  /** The host done forgetting green's reserved addresses (see Prepared.forgotten); without it each start forgets its own. */
  forgotten?: Promise<void>;
}

export interface ExecutorDeps {
  docker: Docker;
  edge: EdgePort;
  journal: Journal;
  log: (line: string) => void;
  /** Takes the pre-deployment backup; returns its id (what a `restore` step puts back). */
  backup?: () => Promise<string>;
  /** Starts the environment's new services and recreates changed ones. */
  services?: () => Promise<void>;
  restoreData?: (backupId: string) => Promise<void>;
  health?: Partial<HealthDeps>;
}

const AFTER_VERIFY = new Set<Step['kind']>(['drain', 'stop', 'remove', 'remove-services', 'prune-images']);

export async function executeDeployment(steps: readonly Step[], target: DeployTarget, web: WebSpec, blue: readonly string[], deps: ExecutorDeps): Promise<void> {
  const ctx = new StepRunner(target, web, deps);
  const done: Step[] = [];
  for (const step of steps) {
    const seq = deps.journal.stepStarted(target.deploymentId, step.kind, step);
    try {
      await ctx.run(step);
      deps.journal.stepEnded(target.deploymentId, seq, 'done');
      done.push(step);
    } catch (e) {
      deps.journal.stepEnded(target.deploymentId, seq, 'failed');
      if (AFTER_VERIFY.has(step.kind)) {
        deps.log(`warning: ${step.kind} failed after the switch (the new release is serving): ${errorMessage(e)}`);
        continue;
      }
      await compensate(ctx, [...done, step], blue, deps, target.deploymentId);
      throw e;
    }
  }
}

async function compensate(ctx: StepRunner, done: Step[], blue: readonly string[], deps: ExecutorDeps, deploymentId: string): Promise<void> {
  for (const step of planCompensation(done, blue)) {
    const seq = deps.journal.stepStarted(deploymentId, `undo-${step.kind}`, step);
    try {
      await ctx.run(step);
      deps.journal.stepEnded(deploymentId, seq, 'compensated');
    } catch (e) {
      deps.journal.stepEnded(deploymentId, seq, 'failed');
      deps.log(`warning: undoing ${step.kind} failed: ${errorMessage(e)}`);
    }
  }
}
