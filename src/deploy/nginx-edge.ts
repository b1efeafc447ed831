// The executor's view of the managed nginx: apply a route, probe through it as
// a user would, and know when the requests of before the switch are done:
// the workers of a previous configuration have exited (when the switch
// reloaded) and no connection to the old replicas has a request in flight.
import type { Edge } from '../proxy/edge.js';
import { runningMasterPid, workerPids } from '../proxy/nginx.js';
import { busyConnections } from '../proxy/inflight.js';
import type { Route, Upstream } from '../proxy/routes.js';
import type { EdgePort } from './execute.js';
import { httpProbe, type ProbeResult } from './health.js';

/** A connection with no data either way for this long, and no request awaiting its answer, is idle. */
const QUIET_MS = 250;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export class NginxEdgePort implements EdgePort {
  /** Workers that served before the last switch; a graceful reload lets them finish their requests. */
  private previousWorkers: number[] = [];

  constructor(private readonly edge: Edge) {}

  async apply(route: Route): Promise<void> {
    const master = runningMasterPid(this.edge.settings);
    const before = master === null ? [] : workerPids(master);
    // Without a change there was no reload: nothing old to wait for.
    this.previousWorkers = (await this.edge.apply(route)) ? before : [];
  }

  probe(domain: string, path: string, timeoutMs: number): Promise<ProbeResult> {
    const { bindAddress, httpPort } = this.edge.settings;
    const host = bindAddress === '0.0.0.0' ? '127.0.0.1' : bindAddress === '::' ? '::1' : bindAddress;
    const token = this.edge.settings.probeToken;
    return httpProbe({ name: 'edge', host, port: httpPort, hostHeader: domain, ...(token ? { headers: { 'x-calma-probe': token } } : {}) }, path, timeoutMs);
  }

  remove(app: string, env: string): Promise<void> {
    return this.edge.remove(app, env);
  }

  async drained(upstreams: readonly Upstream[], ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    const pending = async (): Promise<boolean> => {
      if (this.previousWorkers.some(alive)) return true;
      // Without ss there is no telling: the whole drain period is waited.
      return ((await busyConnections(upstreams, QUIET_MS)) ?? 1) > 0;
    };
    while (Date.now() < deadline && (await pending())) await new Promise((r) => setTimeout(r, 50));
  }
}
