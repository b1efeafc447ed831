// The edge as the daemon sees it: one managed nginx on a private prefix that
// is started if needed, changed route by route, and restarted if it dies.
// nginx runs on when the daemon stops (it is a daemon of its own), so a
// restarted calma finds it serving and simply carries on.

import { errorMessage } from '../errors.js';
import { applyRoute, openRoute, readEnvState, removeRoute, restoreEnvState, stageRoute, unopenedStages, withReloadsBatched, writeMainConfig, type EnvEdgeState } from './apply.js';
import { probeToken } from './files.js';
import { withEdgeLock } from './lock.js';
import { isNginxRunning, nginxReload, nginxTest, runningMasterPid, startNginx, stopNginx } from './nginx.js';
import { LOG_ROTATE_BYTES, rotateEdgeLogs } from './log-rotation.js';
import { validateSettings, type EdgeSettings, type Route } from './routes.js';

export type EdgeLog = (msg: string, fields?: Record<string, unknown>) => void;

export class Edge {
  readonly settings: EdgeSettings;

  constructor(
    settings: EdgeSettings,
    private readonly log: EdgeLog = () => undefined,
  ) {
    validateSettings(settings);
    this.settings = settings.probeToken ? settings : { ...settings, probeToken: probeToken(settings.prefix) };
  }

  /** Brings nginx.conf up to date (reloading a running nginx if it changed) and starts nginx if it is not running. */
  async ensureRunning(): Promise<void> {
    const changed = await writeMainConfig(this.settings);
    if (changed) this.log('edge config written', { prefix: this.settings.prefix });
    await this.start();
  }

  private start(): Promise<void> {
    return withEdgeLock(this.settings.prefix, async () => {
      if (isNginxRunning(this.settings)) return;
      const pid = await startNginx(this.settings);
      this.log('edge started', { pid, http: this.settings.httpPort, https: this.settings.httpsPort });
    });
  }

  /** Returns whether the route changed (and nginx was reloaded). */
  async apply(route: Route): Promise<boolean> {
    const changed = await applyRoute(this.settings, route);
    this.log(changed ? 'edge route applied (reloaded)' : 'edge slot switched', { app: route.app, env: route.env, slot: route.slot ?? 'a', upstreams: route.upstreams.length, release: route.release });
    await this.start();
    return changed;
  }

  /** A graceful reload with the same configuration: nginx reads certificate files only when it loads its configuration. */
  reload(): Promise<void> {
    return withEdgeLock(this.settings.prefix, async () => {
      await nginxTest(this.settings);
      await nginxReload(this.settings);
      this.log('edge reloaded (certificates)', { prefix: this.settings.prefix });
    });
  }

  /** Runs fn with the reloads its route changes need made once, at its end (see withReloadsBatched). */
  batch<T>(fn: () => Promise<T>): Promise<T> {
    return withReloadsBatched(this.settings, fn);
  }

  /** Loads a route that answers 503 until open() (see stageRoute). */
  async stage(route: Route): Promise<void> {
    await stageRoute(this.settings, route);
    this.log('edge route staged (reloaded)', { app: route.app, env: route.env, slot: route.slot ?? 'a', release: route.release });
    await this.start();
  }

  /** Lets a staged route serve, without a reload. */
  async open(route: Route): Promise<void> {
    await openRoute(this.settings, route);
    this.log('edge route opened', { app: route.app, env: route.env, slot: route.slot ?? 'a', upstreams: route.upstreams.length, release: route.release });
  }

  /** Environments staged and never opened (see unopenedStages). */
  unopenedStages(): { app: string; env: string }[] {
    return unopenedStages(this.settings);
  }

  state(app: string, env: string): EnvEdgeState {
    return readEnvState(this.settings, app, env);
  }

  /** Puts back what state() returned before a route was staged. */
  async restore(app: string, env: string, state: EnvEdgeState): Promise<void> {
    await restoreEnvState(this.settings, app, env, state);
    this.log('edge route put back', { app, env });
  }

  async remove(app: string, env: string): Promise<void> {
    const changed = await removeRoute(this.settings, app, env);
    if (changed) this.log('edge route removed', { app, env });
  }

  /**
   * Checks every `intervalMs` that nginx runs and restarts it if not, and keeps its
   * logs under their size limit; returns the function that stops checking.
   */
  supervise(intervalMs: number, logLimitBytes = LOG_ROTATE_BYTES): () => void {
    let busy = false; // a slow restart must not overlap the next check
    const timer = setInterval(() => {
      if (busy) return;
      const master = runningMasterPid(this.settings);
      if (master !== null) {
        try {
          for (const log of rotateEdgeLogs(this.settings.prefix, master, logLimitBytes)) this.log('edge log rotated', { log });
        } catch (e) {
          this.log('edge log rotation failed', { error: errorMessage(e) });
        }
        return;
      }
      busy = true;
      this.log('edge not running, restarting', { prefix: this.settings.prefix });
      this.start()
        .catch((e: unknown) => this.log('edge restart failed', { error: errorMessage(e) }))
        .finally(() => (busy = false));
    }, intervalMs);
    timer.unref(); // supervision alone must not keep a process alive
    return () => clearInterval(timer);
  }

  /** Graceful stop (in-flight requests finish); for tests and `calma server --stop-edge`. */
  stop(): Promise<void> {
    return withEdgeLock(this.settings.prefix, () => stopNginx(this.settings));
  }
}
