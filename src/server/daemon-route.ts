// `calma server --listen ADDR --domain NAME`: the dashboard and the API behind
// the edge like any app, on their own host name, with a certificate when the
// daemon has ACME settings (then the session cookie is also marked Secure).
import { DAEMON_ROUTE_APP } from '../config/fields.js';
import type { Route } from '../proxy/routes.js';

export const DAEMON_ROUTE_ENV = 'dashboard';

/** The route to the daemon's TCP listener; an unspecified address is reached on loopback. */
export function daemonRoute(domain: string, tcp: { host: string; port: number }, https: boolean): Route {
  const host = tcp.host === '0.0.0.0' ? '127.0.0.1' : tcp.host === '::' ? '::1' : tcp.host;
  return {
    app: DAEMON_ROUTE_APP,
    env: DAEMON_ROUTE_ENV,
    domains: [domain],
    upstreams: [{ host, port: tcp.port }],
    https,
    // Deploy uploads go through here too.
    maxBodyBytes: 0,
  };
}
