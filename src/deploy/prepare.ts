// What a deployment reads and reserves before it plans, and the edge route its
// release will get. A pipeline starts this while it builds (see startEarly):
// with a thousand apps, the engine's lists take tens of milliseconds and a new
// environment's nginx reload a third of a second, which otherwise ran while
// the new container started, on the same two cores, slowing the start.
import type Docker from 'dockerode';
import type { CalmaConfig } from '../config/schema.js';
import type { Route, Upstream } from '../proxy/routes.js';
import { ensureEdgeNetwork, type EdgeNetwork } from '../runtime/network.js';
import { addressHolders, listReleases, type EngineRelease } from '../runtime/releases.js';
import { forgetNeighbour } from '../runtime/neighbour.js';
import { listServices } from '../runtime/services.js';
import type { AddressBook } from '../state/addresses.js';
import type { EdgePort } from './execute.js';
import { greenSlot, liveRelease, upstreams, type Slot } from './plan.js';
import { reserveSlotAddresses } from './slot-addresses.js';

export interface Prepared {
  releases: EngineRelease[];
  network: EdgeNetwork;
  services: Awaited<ReturnType<typeof listServices>>;
  slot: Slot;
  /** Green's reserved addresses, and the other slot's. */
  addresses: string[];
  standbyAddresses: string[];
  /**
   * The host forgetting what it knew of green's addresses (see forgetNeighbour), begun as
   * soon as they are reserved: with a thousand containers `ip` takes 25 ms, longer than
   * the container's create it used to run beside, and nothing on the host talks to a
   * reserved address before its container starts. Never rejects.
   */
  forgotten: Promise<void>;
}

export interface PrepareDeps {
  docker: Docker;
  addresses: AddressBook;
}

export async function prepareDeployment(deps: PrepareDeps, app: string, env: string, replicas: number): Promise<Prepared> {
  // Asked of the engine at once: each list walks every container it holds (a thousand apps:
  // a thousand each), so one after the other they would add up.
  const [releases, network, services] = await Promise.all([listReleases(deps.docker, app, env), ensureEdgeNetwork(deps.docker), listServices(deps.docker, app, env)]);
  const slot = greenSlot(releases);
  const reserved = await reserveSlotAddresses(deps.addresses, (list) => addressHolders(deps.docker, list), { app, env, slot, replicas, subnet: network.subnet });
  const forgotten = Promise.all(reserved.green.map((a) => forgetNeighbour(a))).then(() => undefined);
  return { releases, network, services, slot, addresses: reserved.green, standbyAddresses: reserved.standby, forgotten };
}

/** What of the web settings an environment's route is made of. */
export interface RouteSettings {
  domains: string[];
  maxBodyBytes: number;
  https: boolean;
  hsts: boolean;
  release?: string;
}

/** The environment's edge route with `live` in `slot`: what a switch applies (and a stage loads ahead of it). */
export function webRoute(app: string, env: string, web: RouteSettings, slot: Slot, live: Upstream[], standby: Upstream[]): Route {
  return {
    app,
    env,
    domains: web.domains,
    upstreams: live,
    slot,
    standby,
    maxBodyBytes: web.maxBodyBytes,
    https: web.https,
    hsts: web.hsts,
    ...(web.release !== undefined ? { release: web.release } : {}),
  };
}

/**
 * Where green's route is staged when nothing serves the environment yet (the plan's `stage`
 * step): green's upstreams in its slot, the other slot's reserved addresses as standby.
 */
export function stagedRoute(app: string, env: string, web: RouteSettings & { port: number }, p: Prepared): Route | undefined {
  if (liveRelease(p.releases) || web.domains.length === 0) return undefined;
  return webRoute(app, env, web, p.slot, upstreams(p.addresses, web.port), upstreams(p.standbyAddresses, web.port));
}

/** A deployment's preparation started ahead of it (see startEarly). */
export interface EarlyStart {
  prepared: Promise<Prepared>;
  /** The deployment will not happen after all: a route staged for it goes again. */
  abandon(): Promise<void>;
}

/**
 * Starts preparing the deployment of `config` to `env` while the release is still being
 * built, and stages a new environment's route, so its reload is done or under way before
 * the container starts. The deployment then finds the route staged (EdgePort.stage of the
 * same route reloads nothing more) and the addresses reserved. Neither step changes what
 * serves: a staged route answers 503 for domains that had no route before.
 */
export function startEarly(deps: PrepareDeps & { edge: EdgePort }, config: CalmaConfig, env: string): EarlyStart {
  const app = config.app;
  // Only a route this call staged is taken away: unstaging an environment the edge has
  // opened before would put back what it was before its first release (no route at all).
  let staged = false;
  const prepared = prepareDeployment(deps, app, env, config.web.replicas).then((p) => {
    const route = deps.edge.stage && stagedRoute(app, env, { domains: config.environments[env]?.domains ?? [], port: config.web.port, maxBodyBytes: config.web.max_body, https: config.https, hsts: config.hsts }, p);
    if (route) {
      staged = true;
      // Awaited by the deployment's own stage step (or by abandon); a refusal surfaces there.
      deps.edge.stage!(route).catch(() => undefined);
    }
    return p;
  });
  // Awaited by the deployment; a failure here surfaces there (it reads the same again).
  prepared.catch(() => undefined);
  return {
    prepared,
    abandon: async () => {
      await prepared.catch(() => undefined);
      if (staged) await deps.edge.unstage?.(app, env);
    },
  };
}
