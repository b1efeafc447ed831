// The executor's view of the managed nginx: apply a route, probe through it as
// a user would, and know when the requests of before the switch are done:
// the workers of a previous configuration have exited (when the switch
// reloaded) and no connection to the old replicas has a request in flight.
import type { EnvEdgeState } from '../proxy/apply.js';
import type { Edge } from '../proxy/edge.js';
import { runningMasterPid, workerPids } from '../proxy/nginx.js';
import { busyConnections } from '../proxy/inflight.js';
import type { Route, Upstream } from '../proxy/routes.js';
import type { EdgePort } from './execute.js';
import { httpProbe, type ProbeResult } from './health.js';

/** A connection with no data either way for this long, and no request awaiting its answer, is idle. */
const QUIET_MS = 250;

/** A route as the edge renders it: the release it names is only logged, so two routes differing in it alone are the same file. */
function routeKey(route: Route): string {
  return JSON.stringify({ ...route, release: undefined });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Where certificates come from (the daemon's CertManager); without one the edge serves HTTP only. */
export interface TlsSource {
  tlsFor(app: string, env: string, domains: readonly string[]): { certificate: string; key: string } | undefined;
  want(app: string, env: string, domains: readonly string[], https: boolean): void;
  /** The environment is no longer served: no more certificate requests for it. */
  forget(app: string, env: string): void;
}

export class NginxEdgePort implements EdgePort {
  /** Workers that served before the last switch; a graceful reload lets them finish their requests. */
  private previousWorkers: number[] = [];
  /** Each environment's route as last applied (before its certificate was added), to re-render it when a certificate arrives. */
  private readonly routes = new Map<string, Route>();
  private tls: TlsSource | undefined;
  /** Environments whose route was staged: the route (routeKey), whether it is open yet, the edge state to put back, and the staging under way or done. */
  private readonly staged = new Map<string, { route: string; open: boolean; before: EnvEdgeState; loading: Promise<void> }>();

  constructor(private readonly edge: Edge) {}

  useTls(source: TlsSource): void {
    this.tls = source;
  }

  private withTls(route: Route): Route {
    const tls = route.https ? this.tls?.tlsFor(route.app, route.env, route.domains) : undefined;
    return tls ? { ...route, tls } : route;
  }

  stage(route: Route): Promise<void> {
    const key = `${route.app}/${route.env}`;
    const full = this.withTls(route);
    const same = this.staged.get(key);
    // Staged already, while the release was built (deploy/prepare.ts): nothing more to load.
    if (same && !same.open && same.route === routeKey(full)) return same.loading;
    const loading = this.edge.stage(full);
    this.staged.set(key, { route: routeKey(full), open: false, before: this.edge.state(route.app, route.env), loading });
    return loading;
  }

  async unstage(app: string, env: string): Promise<void> {
    const staged = this.staged.get(`${app}/${env}`);
    if (!staged) return;
    this.staged.delete(`${app}/${env}`);
    await staged.loading.catch(() => undefined);
    await this.edge.restore(app, env, staged.before);
  }

  unopenedStages(): { app: string; env: string }[] {
    return this.edge.unopenedStages();
  }

  async apply(route: Route): Promise<void> {
    const key = `${route.app}/${route.env}`;
    this.routes.set(key, route);
    const full = this.withTls(route);
    const staged = this.staged.get(key);
    if (staged && !staged.open && staged.route === routeKey(full)) {
      // Loaded while green started: the switch only lets traffic in. Kept (open) for unstage until the next stage.
      staged.open = true;
      await this.edge.open(full);
      this.previousWorkers = [];
    } else {
      this.staged.delete(key);
      const master = runningMasterPid(this.edge.settings);
      const before = master === null ? [] : workerPids(master);
      // Without a change there was no reload: nothing old to wait for.
      this.previousWorkers = (await this.edge.apply(full)) ? before : [];
    }
    this.tls?.want(route.app, route.env, route.domains, route.https === true);
  }

  /** Renders an environment again as it was last applied (its certificate arrived or changed). */
  async refresh(app: string, env: string): Promise<void> {
    const route = this.routes.get(`${app}/${env}`);
    if (!route) return;
    const tls = route.https ? this.tls?.tlsFor(app, env, route.domains) : undefined;
    // Same paths, new files (a renewal): the configuration is unchanged, but nginx must load them.
    if (!(await this.edge.apply(tls ? { ...route, tls } : route)) && tls) await this.edge.reload();
  }

  probe(domain: string, path: string, timeoutMs: number): Promise<ProbeResult> {
    const { bindAddress, httpPort, httpsPort } = this.edge.settings;
    const host = bindAddress === '0.0.0.0' ? '127.0.0.1' : bindAddress === '::' ? '::1' : bindAddress;
    const token = this.edge.settings.probeToken;
    // Once the environment serves HTTPS its HTTP side only redirects: the probe goes where users end up.
    const route = [...this.routes.values()].find((r) => r.domains.includes(domain));
    const secure = route?.https === true && this.tls?.tlsFor(route.app, route.env, route.domains) !== undefined;
    const target = { name: 'edge', host, port: secure ? httpsPort : httpPort, hostHeader: domain, ...(secure ? { tlsServername: domain } : {}) };
    return httpProbe({ ...target, ...(token ? { headers: { 'x-calma-probe': token } } : {}) }, path, timeoutMs);
  }

  batch<T>(fn: () => Promise<T>): Promise<T> {
    return this.edge.batch(fn);
  }

  remove(app: string, env: string): Promise<void> {
    this.routes.delete(`${app}/${env}`);
    this.staged.delete(`${app}/${env}`);
    this.tls?.forget(app, env);
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
