// How each kind of planned step acts on the engine and the edge. The
// executor (execute.ts) decides order, journalling and compensation; this
// only performs one step.
import { UserError } from '../errors.js';
import { EDGE_NETWORK } from '../runtime/names.js';
import { pruneReleaseImages } from '../runtime/images.js';
import { runOnce } from '../runtime/run-once.js';
import { removeServices } from '../runtime/services.js';
import { startWebContainer, volumeMounts } from '../runtime/web-container.js';
import type { ExecutorDeps, WebSpec } from './execute.js';
import { httpProbe, waitHealthy } from './health.js';
import { hostPort, type Route, type Upstream } from '../proxy/routes.js';
import type { DeployTarget, Step } from './plan.js';
import { webRoute } from './prepare.js';

/** How each kind of step acts on the engine and the edge. */
export class StepRunner {
  /** The backup this deployment took, once it has. */
  private backupId: string | undefined;
  /** The edge loading green's staged route, while green starts; the switch waits for it. */
  private staging: Promise<void> | undefined;

  constructor(
    private readonly target: DeployTarget,
    private readonly web: WebSpec,
    private readonly deps: ExecutorDeps,
  ) {}

  async run(step: Step): Promise<void> {
    const { docker } = this.deps;
    switch (step.kind) {
      case 'backup':
        if (!this.deps.backup) throw new Error('a backup step was planned but no backup is configured');
        this.backupId = await this.deps.backup();
        return;
      case 'services':
        if (!this.deps.services) throw new Error('a services step was planned but no services are configured');
        return this.deps.services();
      case 'restore': {
        const id = step.backupId ?? this.backupId;
        if (!this.deps.restoreData || id === undefined) throw new Error('nothing to restore: this deployment took no backup');
        return this.deps.restoreData(id);
      }
      case 'stage': {
        if (!this.deps.edge.stage) throw new Error('a stage step was planned but the edge cannot stage');
        this.staging = this.deps.edge.stage(this.route(step.slot, step.live, step.standby));
        // Awaited by the switch (or by unstage); a refusal surfaces there.
        this.staging.catch(() => undefined);
        this.deps.log(`edge loads ${this.web.domains.join(', ')} (503 until the switch) while the release starts`);
        return;
      }
      case 'unstage':
        await this.staging?.catch(() => undefined);
        return this.deps.edge.unstage?.(this.target.app, this.target.env);
      case 'start':
        for (const [i, name] of step.containers.entries()) {
          const address = step.addresses[i];
          if (address === undefined) throw new Error(`no address for ${name}`);
          await startWebContainer(docker, { ...this.web, name, image: step.image, app: this.target.app, env: this.target.env, deploymentId: this.target.deploymentId, slot: step.slot, address }).catch((e: Error) => {
            // Only a container calma did not reserve the address for can hold it (another calma home on this engine).
            if (/address already in use/i.test(e.message)) throw new UserError(`the address ${address} reserved for ${name} is taken on ${EDGE_NETWORK} by a container this daemon does not know; retry the deployment`);
            throw e;
          });
          this.deps.log(`started ${name} (${address})`);
        }
        return;
      case 'health':
        return this.health(step.containers, step.addresses);
      case 'release':
        return this.releaseCommand(step.image, step.command);
      case 'switch':
        await this.staging;
        await this.deps.edge.apply(this.route(step.slot, step.live, step.standby));
        this.deps.log(step.containers.length > 0 ? `edge now routes ${this.web.domains.join(', ') || '(no domain)'} to ${step.containers.join(', ')} (slot ${step.slot})` : 'edge route emptied');
        return;
      case 'verify':
        return this.verify(step.upstreams);
      case 'drain':
        return this.deps.edge.drained(step.upstreams, step.ms);
      case 'stop':
        await Promise.all(step.containers.map((c) => docker.getContainer(c).stop({ t: 10 }).catch(ignoreNotRunning)));
        return;
      case 'remove':
        await Promise.all(step.containers.map((c) => docker.getContainer(c).remove({ force: true }).catch(ignoreMissing)));
        return;
      case 'prune-images':
        return pruneReleaseImages(docker, this.target.app, step.images, this.deps.log);
      case 'remove-services':
        return removeServices(docker, this.target.app, this.target.env, step.services, this.deps.log);
    }
  }

  /** The environment's edge route with `live` in `slot`: what the switch applies (and stage loads ahead of it). */
  private route(slot: 'a' | 'b', live: Upstream[], standby: Upstream[]): Route {
    return webRoute(this.target.app, this.target.env, this.web, slot, live, standby);
  }

  private async health(containers: readonly string[], addresses: readonly string[]): Promise<void> {
    const stopped = async (name: string): Promise<string | undefined> => {
      const info = await this.deps.docker.getContainer(name).inspect();
      const state = info.State;
      // With a restart policy a crashing container flips between restarting and running: either counts as down.
      if (state.Restarting || info.RestartCount > 0) {
        // Between restarts the engine reports exit code 0; only a real code is worth showing.
        return `crashed (restarted ${info.RestartCount} times${state.ExitCode !== 0 ? `, exit code ${state.ExitCode}` : ''})`;
      }
      return state.Running ? undefined : `exited with code ${state.ExitCode}`;
    };
    try {
      const targets = [];
      for (const [i, name] of containers.entries()) {
        const down = await stopped(name);
        if (down !== undefined) throw new UserError(`container ${name} ${down} before it became healthy`);
        targets.push({ name, host: addresses[i] ?? '', port: this.web.port });
      }
      await waitHealthy(targets, this.web.healthcheck, {
        probe: httpProbe,
        stopped: (t) => stopped(t.name),
        sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
        now: () => Date.now(),
        ...this.deps.health,
      });
    } catch (e) {
      if (e instanceof UserError) throw new UserError(e.message, [...e.details, ...(await this.logTails(containers))]);
      throw e;
    }
  }

  /** The last lines each container wrote: what a user needs to see why it failed. */
  private async logTails(containers: readonly string[]): Promise<string[]> {
    const lines: string[] = [];
    for (const name of containers) {
      const buf = (await this.deps.docker
        .getContainer(name)
        .logs({ stdout: true, stderr: true, tail: 10, follow: false })
        .catch(() => Buffer.alloc(0))) as Buffer;
      const text = demuxToText(buf).trimEnd();
      if (text !== '') lines.push(`  ${name} logs:`, ...text.split('\n').map((l) => `  | ${l}`));
    }
    return lines;
  }

  private async releaseCommand(image: string, command: string[]): Promise<void> {
    const result = await runOnce(this.deps.docker, {
      image,
      command,
      timeoutMs: this.web.releaseTimeoutMs,
      labels: { 'calma.app': this.target.app, 'calma.env': this.target.env, 'calma.deployment': this.target.deploymentId, 'calma.role': 'release' },
      env: Object.entries(this.web.environment).map(([k, v]) => `${k}=${v}`),
      // On the environment's network when it has one: migrations reach the services by name.
      hostConfig: { NetworkMode: this.web.network ?? EDGE_NETWORK, Mounts: volumeMounts(this.web.volumes, this.target.app, this.target.env), ...(this.web.dns ? { Dns: this.web.dns } : {}) },
      onLine: (l) => this.deps.log(`release | ${l}`),
    });
    const tail = result.lastLines.map((l) => `  | ${l}`);
    if (result.exitCode === undefined) throw new UserError(`release command timed out`, tail);
    if (result.exitCode !== 0) throw new UserError(`release command exited with code ${result.exitCode}`, tail);
  }

  /** The switch only counts once a request through the edge reaches the new release healthy. */
  private async verify(green: readonly Upstream[]): Promise<void> {
    const domain = this.web.domains[0];
    if (domain === undefined) return;
    // A connection reset by a reload of nginx (another environment's change) is no verdict on green: asked again.
    let r = await this.deps.edge.probe(domain, this.web.healthcheck.path, this.web.healthcheck.timeoutMs);
    for (let retry = 0; retry < 5 && !r.ok && /ECONNRESET|EPIPE|socket hang up/i.test(r.answer); retry++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      r = await this.deps.edge.probe(domain, this.web.healthcheck.path, this.web.healthcheck.timeoutMs);
    }
    if (!r.ok) throw new UserError(`the edge does not serve ${domain}${this.web.healthcheck.path} healthy after the switch: ${r.answer}`);
    // A healthy answer from the old release would prove nothing: it must come from green.
    // nginx lists every replica it tried ("a:80, b:80"); the last one answered.
    const answered = r.upstream?.split(',').pop()?.trim();
    if (r.upstream !== undefined && !green.some((u) => hostPort(u.host, u.port) === answered)) {
      throw new UserError(`after the switch the edge still sends ${domain} to ${answered}, not to the new release`);
    }
  }
}

function ignoreNotRunning(e: unknown): void {
  if ((e as { statusCode?: number }).statusCode !== 304 && (e as { statusCode?: number }).statusCode !== 404) throw e;
}

function ignoreMissing(e: unknown): void {
  if ((e as { statusCode?: number }).statusCode !== 404) throw e;
}

/** Non-TTY container logs come framed (8-byte headers per chunk); keep only the payloads. */
function demuxToText(buf: Buffer): string {
  let out = '';
  let i = 0;
  while (i + 8 <= buf.length) {
    const size = buf.readUInt32BE(i + 4);
    out += buf.subarray(i + 8, i + 8 + size).toString('utf8');
    i += 8 + size;
  }
  return out;
}
