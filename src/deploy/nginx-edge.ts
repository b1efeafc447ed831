// The executor's view of the managed nginx: apply a route, probe through it as
// a user would, and know when the connections of before the switch are done
// (the workers of the previous configuration have exited).
import type { Edge } from '../proxy/edge.js';
import { runningMasterPid, workerPids } from '../proxy/nginx.js';
import type { Route } from '../proxy/routes.js';
import type { EdgePort } from './execute.js';
import { httpProbe, type ProbeResult } from './health.js';

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
    return httpProbe({ name: 'edge', host, port: httpPort, hostHeader: domain }, path, timeoutMs);
  }

  remove(app: string, env: string): Promise<void> {
    return this.edge.remove(app, env);
  }

  async drained(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.previousWorkers.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  }
}
