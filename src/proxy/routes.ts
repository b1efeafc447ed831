// The edge's model: which host names go to which containers. Everything in a
// Route ends up inside an nginx configuration file, so every field is checked
// here against a strict grammar before anything is rendered: nothing a user
// writes (an app name, a domain, a branch turned into an environment) can
// close a directive or open a block.

import { isIP } from 'node:net';
import { isAppName, isDnsLabel, isHostName } from '../config/names.js';
import { UserError } from '../errors.js';

/** One replica: a container's IP on calma's bridge network and its port (nginx runs on the host). */
export interface Upstream {
  host: string;
  port: number;
}

/** What one environment of one app serves. */
export interface Route {
  app: string;
  env: string;
  /** Host names (RFC 1123; a leading `*.` is a wildcard). */
  domains: string[];
  /** The healthy replicas of the live slot; none means the environment answers 503. */
  upstreams: Upstream[];
  /**
   * Which of the environment's two slots `upstreams` are in (default a), and
   * the other slot's replicas. With both slots in the configuration, a switch
   * only flips a marker file that nginx checks per request: no reload.
   */
  slot?: 'a' | 'b';
  standby?: Upstream[];
  /** The environment's certificate (absolute paths): with it, HTTPS is served and HTTP redirects to it. */
  tls?: { certificate: string; key: string };
  /** Strict-Transport-Security on HTTPS answers (calma.yml `hsts`). */
  hsts?: boolean;
  /** calma.yml `https`: the environment wants a certificate (the edge serves HTTPS once `tls` is set). */
  https?: boolean;
  /** Request bodies beyond this are refused with 413 (0: no limit, as in nginx). */
  maxBodyBytes: number;
  /** The release being served, recorded in the file for whoever reads it. */
  release?: string;
}

/** Where the managed nginx lives and listens. */
export interface EdgeSettings {
  /** Absolute directory that holds everything of this nginx (config, pid, logs, temp files). */
  prefix: string;
  httpPort: number;
  httpsPort: number;
  /** IP literal to listen on: '0.0.0.0' in production, '127.0.0.1' in tests. */
  bindAddress: string;
  /** The daemon's probes send it (X-Calma-Probe) and learn which replica answered (X-Calma-Upstream); no one else does. */
  probeToken?: string;
  /** Which requests the edge's access log records (DEFAULT_ACCESS_LOG when absent). */
  accessLog?: AccessLogMode;
}

/** Every request, only those answered with an error (4xx, 5xx, anything unusual), or none. */
export const ACCESS_LOG_MODES = ['all', 'errors', 'off'] as const;
export type AccessLogMode = (typeof ACCESS_LOG_MODES)[number];
export const DEFAULT_ACCESS_LOG: AccessLogMode = 'errors';

export const PROBE_TOKEN_PATTERN = /^[A-Za-z0-9]{16,64}$/;

export const DEFAULT_BIND_ADDRESS = '0.0.0.0';

/** A release id as calma writes them (`build-12`, a sha, `v1.2.3`): no spaces, no syntax. */
const RELEASE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** Prefix paths go into the config unquoted: only characters with no meaning to nginx. */
const PREFIX_PATTERN = /^\/[A-Za-z0-9._@+/-]*$/;

function refuse(message: string): never {
  throw new UserError(message);
}

/** JSON quoting shows control characters (a newline in a domain) instead of printing them. */
const show = (s: unknown): string => JSON.stringify(s);

export function isPort(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535;
}

/** A plain IPv4 or IPv6 literal; an IPv6 zone (`%eth0`) is refused, it has no place in a config. */
export function isIpLiteral(s: unknown): s is string {
  return typeof s === 'string' && !s.includes('%') && isIP(s) !== 0;
}

export function validateUpstream(u: Upstream, where: string): void {
  if (!isIpLiteral(u.host)) refuse(`${where}: upstream host ${show(u.host)} is not an IP address`);
  if (!isPort(u.port)) refuse(`${where}: upstream port ${show(u.port)} is not a port (1-65535)`);
}

/** Throws a UserError naming the first unsafe field; returns nothing when the route may be rendered. */
export function validateRoute(route: Route): void {
  if (typeof route.app !== 'string' || !isAppName(route.app)) refuse(`the app name ${show(route.app)} is not valid`);
  if (typeof route.env !== 'string' || !isDnsLabel(route.env)) refuse(`the environment name ${show(route.env)} is not a DNS label`);
  const where = `${route.app} (${route.env})`;
  if (!Array.isArray(route.domains)) refuse(`${where}: domains must be a list`);
  for (const d of route.domains) {
    if (typeof d !== 'string' || !isHostName(d, { wildcard: true })) refuse(`${where}: ${show(d)} is not a valid host name`);
  }
  if (!Array.isArray(route.upstreams)) refuse(`${where}: upstreams must be a list`);
  for (const u of route.upstreams) validateUpstream(u, where);
  if (route.slot !== undefined && route.slot !== 'a' && route.slot !== 'b') refuse(`${where}: the slot ${show(route.slot)} is neither a nor b`);
  if (route.standby !== undefined && !Array.isArray(route.standby)) refuse(`${where}: standby must be a list`);
  for (const u of route.standby ?? []) validateUpstream(u, where);
  if (route.tls !== undefined) {
    for (const path of [route.tls.certificate, route.tls.key]) {
      if (typeof path !== 'string' || !PREFIX_PATTERN.test(path) || path.split('/').includes('..')) refuse(`${where}: the certificate path ${show(path)} must be an absolute path of letters, digits and ._@+/-`);
    }
  }
  if (!Number.isSafeInteger(route.maxBodyBytes) || route.maxBodyBytes < 0) {
    refuse(`${where}: the maximum body size ${show(route.maxBodyBytes)} is not a whole number of bytes`);
  }
  if (route.release !== undefined && !RELEASE_PATTERN.test(route.release)) refuse(`${where}: the release ${show(route.release)} is not valid`);
}

export function validateSettings(s: EdgeSettings): void {
  if (typeof s.prefix !== 'string' || !PREFIX_PATTERN.test(s.prefix) || s.prefix.split('/').includes('..')) {
    refuse(`the edge directory ${show(s.prefix)} must be an absolute path of letters, digits and ._@+/-`);
  }
  if (!isPort(s.httpPort)) refuse(`the HTTP port ${show(s.httpPort)} is not a port (1-65535)`);
  if (!isPort(s.httpsPort)) refuse(`the HTTPS port ${show(s.httpsPort)} is not a port (1-65535)`);
  if (s.httpPort === s.httpsPort) refuse(`the HTTP and HTTPS ports must differ (both ${s.httpPort})`);
  if (!isIpLiteral(s.bindAddress)) refuse(`the edge bind address ${show(s.bindAddress)} is not an IP address`);
  if (s.probeToken !== undefined && !PROBE_TOKEN_PATTERN.test(s.probeToken)) refuse('the edge probe token must be 16-64 letters and digits');
  if (s.accessLog !== undefined && !ACCESS_LOG_MODES.includes(s.accessLog)) refuse(`the access log mode ${show(s.accessLog)} is not one of ${ACCESS_LOG_MODES.join(', ')}`);
}

/** `host:port` as nginx's `listen` and `server` want it: IPv6 in brackets. */
export function hostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}
