// Changing what the edge serves, as a transaction: write the one changed file
// atomically, let `nginx -t` judge it (a changed environment's file on its own,
// under the same main configuration), and only then
// reload gracefully. When nginx refuses, the previous file is put back, so a
// configuration that fails the check never replaces a working one. Only the
// changed environment's file is touched: a thousand apps stay as fast as one.

import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAppName, isDnsLabel } from '../config/names.js';
import { UserError } from '../errors.js';
import { withEdgeLock } from './lock.js';
import { ensureLayout, readIfExists, writeFileAtomic } from './files.js';
import { isNginxRunning, nginxReload, nginxTest, nginxTestEnvFile } from './nginx.js';
import { edgePaths } from './paths.js';
import { envFileName, liveMarkerName, ownerLine, renderEnvironmentConfig, renderMainConfig, servingMarkerName } from './render.js';
import { validateRoute, validateSettings, type EdgeSettings, type Route } from './routes.js';

/** An environment file name as envFileName makes them; anything else could escape the envs directory. */
const ENV_FILE_PATTERN = /^[a-z0-9][a-z0-9-]*\.conf$/;

function put(path: string, text: string | null): void {
  if (text === null) rmSync(path, { force: true });
  else writeFileAtomic(path, text);
}

function firstLine(text: string): string {
  return text.slice(0, text.indexOf('\n') === -1 ? undefined : text.indexOf('\n'));
}

/**
 * Replaces (text) or removes (null) one file of the edge, then tests and reloads
 * (unless `reload` is false: a file that behaves as the loaded one, see openRoute).
 * Returns false when the file already had that content (nothing reloaded).
 * With `owner`, an existing file whose first line differs belongs to another route and is refused.
 */
async function replaceFile(settings: EdgeSettings, path: string, next: string | null, owner?: string, o: { reload?: boolean } = {}): Promise<boolean> {
  validateSettings(settings);
  return withEdgeLock(settings.prefix, async () => {
    ensureLayout(settings);
    const conf = edgePaths(settings).conf;
    if (path !== conf && readIfExists(conf) === null) writeFileAtomic(conf, renderMainConfig(settings));
    const previous = readIfExists(path);
    if (owner !== undefined && previous !== null && firstLine(previous) !== owner) {
      throw new UserError(`the edge file ${path} belongs to another route (${firstLine(previous)}); rename the app or environment`);
    }
    if (previous === next) return false;
    put(path, next);
    try {
      // A removed environment file takes nothing with it that the others need: no check to run.
      if (path === conf) await nginxTest(settings);
      else if (next !== null) await nginxTestEnvFile(settings, path);
      if (o.reload === false) return true;
      const batch = batches.get(settings.prefix);
      if (batch) batch.pending = true;
      else if (isNginxRunning(settings)) await nginxReload(settings);
    } catch (e) {
      put(path, previous); // the running nginx still has the previous config: disk agrees with it again
      throw e;
    }
    return true;
  });
}

/** Prefixes whose reloads wait for the end of a batch (see withReloadsBatched). */
const batches = new Map<string, { pending: boolean }>();

/**
 * Runs fn with every change it makes checked file by file as usual, but nginx
 * reloaded once at the end instead of once per change: the daemon's start-up
 * rewrites every environment's file when calma's rendering changed, and a
 * thousand reloads (each loading a thousand files) would take minutes. A reload
 * that fails at the end leaves the files on disk and nginx on its previous
 * configuration; the error is thrown.
 */
export async function withReloadsBatched<T>(settings: EdgeSettings, fn: () => Promise<T>): Promise<T> {
  if (batches.has(settings.prefix)) return fn();
  const batch = { pending: false };
  batches.set(settings.prefix, batch);
  try {
    return await fn();
  } finally {
    batches.delete(settings.prefix);
    if (batch.pending) await withEdgeLock(settings.prefix, async () => (isNginxRunning(settings) ? nginxReload(settings) : undefined));
  }
}

/**
 * The lower-level step under applyRoute and removeRoute: one environment file by name,
 * with any text. Production code renders that text with renderEnvironmentConfig;
 * tests use this to offer nginx a file it must refuse.
 */
export function replaceEnvFile(settings: EdgeSettings, fileName: string, text: string | null, owner?: string, o: { reload?: boolean } = {}): Promise<boolean> {
  if (!ENV_FILE_PATTERN.test(fileName)) throw new UserError(`${JSON.stringify(fileName)} is not an edge file name`);
  return replaceFile(settings, join(edgePaths(settings).envs, fileName), text, owner, o);
}

/** The names a marker's or file's path is made of, for the calls that take them without a route. */
function checkNames(app: string, env: string): void {
  if (!isAppName(app)) throw new UserError(`the app name ${JSON.stringify(app)} is not valid`);
  if (!isDnsLabel(env)) throw new UserError(`the environment name ${JSON.stringify(env)} is not a DNS label`);
}

function setMarker(path: string, present: boolean): void {
  if (present) writeFileSync(path, '', { mode: 0o644 });
  else rmSync(path, { force: true });
}

/** Marks which slot is live; creating or removing one file is atomic, so every request sees one slot or the other. */
function setLiveSlot(settings: EdgeSettings, app: string, env: string, slot: 'a' | 'b' | null): void {
  setMarker(join(edgePaths(settings).live, liveMarkerName(app, env)), slot === 'b');
}

/** Lets a staged environment's file serve (or, absent, answer 503). */
function setServing(settings: EdgeSettings, app: string, env: string, on: boolean): void {
  setMarker(join(edgePaths(settings).live, servingMarkerName(app, env)), on);
}

/** An environment's edge state on disk: its file and its two markers (what staging replaces, and a failed deployment puts back). */
export interface EnvEdgeState {
  text: string | null;
  slotB: boolean;
  serving: boolean;
}

export function readEnvState(settings: EdgeSettings, app: string, env: string): EnvEdgeState {
  const p = edgePaths(settings);
  return {
    text: readIfExists(join(p.envs, envFileName(app, env))),
    slotB: existsSync(join(p.live, liveMarkerName(app, env))),
    serving: existsSync(join(p.live, servingMarkerName(app, env))),
  };
}

/**
 * Loads the route's staged file (tested, reloaded): nginx knows its domains and
 * upstreams but answers 503 until openRoute. The reload thus runs while the
 * release's containers start instead of after they are healthy.
 */
export async function stageRoute(settings: EdgeSettings, route: Route): Promise<boolean> {
  validateRoute(route);
  close(settings, route.app, route.env);
  return replaceEnvFile(settings, envFileName(route.app, route.env), renderEnvironmentConfig(route, settings, { staged: true }), ownerLine(route.app, route.env));
}

/** Both markers gone: a staged file answers 503 (slot b's marker alone would let it serve). */
function close(settings: EdgeSettings, app: string, env: string): void {
  setServing(settings, app, env, false);
  setLiveSlot(settings, app, env, null);
}

/**
 * Lets a staged route serve: the markers first (nginx, still on the staged file,
 * routes to the live slot from the next request on: slot b's marker alone opens
 * it, so it comes first), then the plain file on disk, checked but not reloaded:
 * it behaves as the loaded one does.
 */
export async function openRoute(settings: EdgeSettings, route: Route): Promise<void> {
  validateRoute(route);
  setLiveSlot(settings, route.app, route.env, route.slot ?? 'a');
  setServing(settings, route.app, route.env, true);
  await replaceEnvFile(settings, envFileName(route.app, route.env), renderEnvironmentConfig(route, settings), ownerLine(route.app, route.env), { reload: false });
}

const OWNER_LINE = /^# calma route app=(\S+) env=(\S+)$/;

/**
 * The environments whose file is staged and was never opened: what a deployment leaves
 * when its daemon stops before the switch (a pipeline stages a new environment's route
 * while the release still builds, before the deployment is journalled).
 */
export function unopenedStages(settings: EdgeSettings): { app: string; env: string }[] {
  const p = edgePaths(settings);
  if (!existsSync(p.envs)) return [];
  return readdirSync(p.envs).flatMap((file) => {
    const text = ENV_FILE_PATTERN.test(file) ? readIfExists(join(p.envs, file)) : null;
    const [, app, env] = (text === null ? null : OWNER_LINE.exec(firstLine(text))) ?? [];
    if (!text || !app || !env) return [];
    // Only a staged file checks the serving marker; once opened, the marker exists.
    const marker = join(p.live, servingMarkerName(app, env));
    return text.includes(marker) && !existsSync(marker) ? [{ app, env }] : [];
  });
}

/** Puts an environment's file and markers back as readEnvState saw them (reloading): a staged deployment that failed. */
export async function restoreEnvState(settings: EdgeSettings, app: string, env: string, state: EnvEdgeState): Promise<void> {
  checkNames(app, env);
  // Closed first: the staged file answers 503 again while the old one is loaded.
  close(settings, app, env);
  await replaceEnvFile(settings, envFileName(app, env), state.text, ownerLine(app, env));
  setLiveSlot(settings, app, env, state.slotB ? 'b' : 'a');
  setServing(settings, app, env, state.serving);
}

/**
 * Serves the route: its domains go to its live slot's upstreams (or to a 503 page when it has none).
 * The configuration changes first (tested, reloaded, still pointing at the previously live slot),
 * then the marker moves traffic. Returns whether nginx was reloaded.
 */
export async function applyRoute(settings: EdgeSettings, route: Route): Promise<boolean> {
  validateRoute(route);
  const text = renderEnvironmentConfig(route, settings);
  const reloaded = await replaceEnvFile(settings, envFileName(route.app, route.env), text, ownerLine(route.app, route.env));
  setLiveSlot(settings, route.app, route.env, route.slot ?? 'a');
  return reloaded;
}

/** Stops serving an environment: its domains fall back to the 404 page. */
export async function removeRoute(settings: EdgeSettings, app: string, env: string): Promise<boolean> {
  checkNames(app, env);
  const reloaded = await replaceEnvFile(settings, envFileName(app, env), null, ownerLine(app, env));
  setLiveSlot(settings, app, env, null);
  setServing(settings, app, env, false);
  return reloaded;
}

/** Writes nginx.conf for these settings (ports, bind address); tested and reloaded like a route. */
export function writeMainConfig(settings: EdgeSettings): Promise<boolean> {
  return replaceFile(settings, edgePaths(settings).conf, renderMainConfig(settings));
}
