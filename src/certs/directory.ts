// The HTTP side of talking to an ACME server: which CA its TLS certificate
// must chain to, and whether it answers at all.
//
// acme-client 5 sends every request through one shared axios instance
// (`acme.axios`) and has no per-client agent option. Setting
// `acme.axios.defaults.httpsAgent` would make every ACME server in the process
// trust a private CA, so instead one request interceptor picks an agent by the
// request's origin: the CA bundle given for a directory is trusted for that
// directory's origin only (and replaces the system roots there), and every
// other origin keeps the system's roots.
//
// When the server is down, acme-client retries each request five times over
// 75 s and then fails with a TypeError that has lost the cause. So an exchange
// starts by fetching the directory once, bounded, and a failed exchange asks
// again: "unreachable, and why" is what the user needs to read.
import acme from 'acme-client';
import { get as httpGet } from 'node:http';
import { Agent, get as httpsGet } from 'node:https';
import { errorMessage, UnavailableError, UserError } from '../errors.js';

const agents = new Map<string, Agent>();
let intercepting = false;

const directories = new WeakMap<acme.Client, string>();

/** A directory URL as given by the user: http(s) and absolute, or one clear line. */
export function checkDirectoryUrl(directoryUrl: string): URL {
  let url: URL;
  try {
    url = new URL(directoryUrl);
  } catch {
    throw new UserError(`invalid ACME directory URL "${directoryUrl}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UserError(`invalid ACME directory URL "${directoryUrl}": expected https://…`);
  return url;
}

/**
 * Makes requests to the directory's origin trust exactly `caBundlePem`, or,
 * without one, the system's roots again. The last call for an origin decides.
 */
export function trustForDirectory(directoryUrl: string, caBundlePem: string | undefined): void {
  const origin = checkDirectoryUrl(directoryUrl).origin;
  if (caBundlePem === undefined) {
    agents.delete(origin);
    return;
  }
  // No keep-alive: ACME exchanges are minutes or months apart, and idle sockets would hold the process open.
  agents.set(origin, new Agent({ ca: caBundlePem, keepAlive: false }));
  if (intercepting) return;
  acme.axios.interceptors.request.use((config) => {
    const agent = config.url === undefined ? undefined : agentFor(config.url);
    if (agent) config.httpsAgent = agent;
    return config;
  });
  intercepting = true;
}

function agentFor(url: string): Agent | undefined {
  try {
    return agents.get(new URL(url).origin);
  } catch {
    return undefined;
  }
}

/** Records which directory a client talks to (acme-client does not expose it). */
export function rememberDirectory(client: acme.Client, directoryUrl: string): void {
  directories.set(client, directoryUrl);
}

/** Resolves when the directory answers 200 within `timeoutMs`; otherwise an UnavailableError saying why. */
export function assertReachable(directoryUrl: string, timeoutMs = 10_000): Promise<void> {
  const fail = (why: string) => new UnavailableError(`the ACME server ${directoryUrl} is unreachable: ${why}`);
  const get = checkDirectoryUrl(directoryUrl).protocol === 'http:' ? httpGet : httpsGet;
  return new Promise((resolve, reject) => {
    const req = get(directoryUrl, { agent: agentFor(directoryUrl), timeout: timeoutMs }, (res) => {
      res.resume();
      if (res.statusCode === 200) resolve();
      else reject(fail(`its directory answered HTTP ${res.statusCode}`));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on('error', (e) => reject(fail(errorMessage(e))));
  });
}

/**
 * Runs one ACME exchange with the client's server. Any failure becomes one
 * line: the server unreachable, or `<what> from <directory> failed: <what it said>`.
 */
export async function exchange<T>(client: acme.Client, what: string, run: () => Promise<T>): Promise<T> {
  const directoryUrl = directories.get(client);
  if (directoryUrl !== undefined) await assertReachable(directoryUrl);
  try {
    return await run();
  } catch (e) {
    if (e instanceof UserError) throw e;
    if (directoryUrl === undefined) throw new UserError(`${what} failed: ${errorMessage(e)}`);
    await assertReachable(directoryUrl);
    throw new UserError(`${what} from ${directoryUrl} failed: ${errorMessage(e)}`);
  }
}
