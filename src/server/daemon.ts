// The daemon as a library: opens the state, serves the API on the unix socket
// (trusted, 0600) and optionally on TCP (tokens), and closes it all cleanly.
// Signals are wired by the `calma server` command, not here, so tests and
// embedders run and stop a daemon in-process.
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { api } from '../api/contract.js';
import { UserError } from '../errors.js';
import { openDb } from '../state/db.js';
import { AddressBook } from '../state/addresses.js';
import { BackupStore } from '../state/backups.js';
import { KeyedLock } from './keyed-lock.js';
import { CertStore } from '../state/certs.js';
import type { AcmeSettings } from '../tls/manager.js';
import { edgePaths } from '../proxy/paths.js';
import { startBackupSchedule } from './schedules.js';
import { PipelineStore } from '../state/pipelines.js';
import { PreviewStore } from '../state/previews.js';
import { PipelineLogs } from '../pipeline/log.js';
import { Pipelines } from '../pipeline/pipelines.js';
import { expirePreviews } from '../pipeline/expire.js';
import { commitStatusReporter } from '../pipeline/status-reporter.js';
import { GitApps } from '../state/git-apps.js';
import { registerGitRoutes } from './git-routes.js';
import { ensureRepo } from '../git/repos.js';
import type { DeployHandlerDeps } from './deploy-handler.js';
import { Journal } from '../state/journal.js';
import { SecretBox } from '../state/secret-box.js';
import { connectDocker } from '../docker/client.js';
import { Edge } from '../proxy/edge.js';
import type { EdgeSettings } from '../proxy/routes.js';
import { NginxEdgePort } from '../deploy/nginx-edge.js';
import { reconcile } from '../deploy/reconcile.js';
import { acceptTarUploads } from './upload.js';
import { acceptTtyExec } from './exec-tty.js';
import { buildApp } from './app.js';
import type { AuthDeps, Listener } from './auth.js';
import { StateFeed } from '../state/feed.js';
import { Users } from '../state/users.js';
import { Sessions } from '../state/sessions.js';
import { LoginLimiter } from './login-limit.js';
import { daemonRoute } from './daemon-route.js';
import type { Logger } from './log.js';
import { createHandlers } from './routes.js';
import { alreadyRunning, claimSocketPath, listenPrivately } from './socket.js';
import { calmaVersion } from './version.js';

export interface DaemonOptions {
  home: string;
  /** Default: `$home/calma.sock`. */
  socketPath?: string;
  /** Also serve the API on TCP; port 0 picks a free one (see `Daemon.tcp`). */
  listen?: { host: string; port: number };
  /** A host name the edge routes to the TCP listener (needs `listen`). */
  domain?: string;
  log: Logger;
  /** How long close() lets in-flight requests finish before cutting them. */
  closeGraceMs?: number;
  /** The managed nginx: started if not running, supervised, and left serving when the daemon stops. */
  edge: EdgeSettings;
  /** Engine DNS servers for app containers (tests keep lookups on loopback). */
  dns?: string[];
  /** Largest accepted upload (an app directory to deploy). */
  maxUploadBytes?: number;
  /** Where certificates come from; without it the edge serves HTTP only. */
  acme?: AcmeSettings;
}

export interface Daemon {
  socketPath: string;
  tcp?: { host: string; port: number };
  close(): Promise<void>;
}

export function defaultSocketPath(home: string): string {
  return join(home, 'calma.sock');
}

export async function startDaemon(opts: DaemonOptions): Promise<Daemon> {
  const socketPath = opts.socketPath ?? defaultSocketPath(opts.home);
  const log = opts.log;
  mkdirSync(opts.home, { recursive: true, mode: 0o711 });
  // Searchable, not readable, by others: the edge's workers (nobody) reach edge/ through it;
  // what is secret inside (state.db, secret.key, the socket) has modes of its own.
  chmodSync(opts.home, 0o711);
  await claimSocketPath(socketPath);
  const docker = await connectDocker();
  const edge = new Edge(opts.edge, (msg, fields) => log.info(fields ?? {}, msg));
  await edge.ensureRunning();
  const stopSupervising = edge.supervise(2000);
  const db = openDb(join(opts.home, 'state.db'));
  const feed = new StateFeed();
  const journal = new Journal(db, feed);
  const edgePort = new NginxEdgePort(edge);
  const certStore = new CertStore(db, feed);
  // The ACME client is loaded only by a daemon that gets certificates.
  const certs = opts.acme
    ? new (await import('../tls/manager.js')).CertManager({ home: opts.home, store: certStore, acme: opts.acme, challengeDir: edgePaths(edge.settings).challenges, log: (msg, fields) => log.info(fields ?? {}, msg), installed: (app, env) => edgePort.refresh(app, env) })
    : undefined;
  // Before the reconcile: the routes it rewrites get their certificates.
  if (certs) {
    edgePort.useTls(certs);
    certs.start();
  }
  await reconcile({ docker, db, journal, edge: edgePort, log: (msg, fields) => log.info(fields ?? {}, msg) });
  const locks = new KeyedLock();
  const deployDeps: DeployHandlerDeps = { home: opts.home, docker, db, journal, addresses: new AddressBook(db), backups: new BackupStore(db, feed), edge: edgePort, httpPort: opts.edge.httpPort, secrets: SecretBox.open(opts.home), ...(opts.dns ? { dns: opts.dns } : {}) };
  const schedule = startBackupSchedule(deployDeps, locks, (msg, fields) => log.info(fields ?? {}, msg));
  deployDeps.scheduleChanged = schedule.changed;
  const pipelineStore = new PipelineStore(db, feed);
  // A pipeline cannot resume in a new process (its checkout and build are gone); its deployment, if any, was reconciled above.
  const abandoned = pipelineStore.abandon('the daemon stopped while it ran');
  if (abandoned > 0) log.info({ pipelines: abandoned }, 'pipelines left by a stopped daemon marked failed');
  const pipelineLogs = new PipelineLogs(opts.home);
  const previews = new PreviewStore(db, feed);
  const pipelines = new Pipelines({
    deploy: deployDeps,
    store: pipelineStore,
    logs: pipelineLogs,
    locks,
    previews,
    reportStatus: commitStatusReporter(db, deployDeps.secrets),
    log: (msg, fields) => log.info(fields ?? {}, msg),
  });
  const stopExpiring = expirePreviews(pipelines, previews, db, (msg, fields) => log.info(fields ?? {}, msg), { feed });
  const gitApps = new GitApps(db, deployDeps.secrets);
  // Hooks point at this daemon's hook module: rewritten in case calma moved or was upgraded.
  for (const g of gitApps.list()) await ensureRepo(opts.home, g.app);
  let tcpAddress: string | null = null;
  const gitDeps = { home: opts.home, docker, db, pipelines, previews, gitApps, store: pipelineStore, logs: pipelineLogs, httpPort: opts.edge.httpPort, tcp: () => tcpAddress };
  const auth: AuthDeps = { db, users: new Users(db), sessions: new Sessions(db) };
  const handlers = createHandlers({
    version: calmaVersion,
    deploy: deployDeps,
    locks,
    certs: { store: certStore, manager: certs },
    pipelines,
    git: gitDeps,
    auth: { ...auth, limiter: new LoginLimiter(), feed },
  });
  const uploads = join(opts.home, 'uploads');
  const apps: FastifyInstance[] = [];
  // Only a daemon that listens on TCP serves the dashboard: the others never load its file server.
  const dashboard = opts.listen ? await import('./dashboard-routes.js') : undefined;
  const make = async (listener: Listener): Promise<FastifyInstance> => {
    const configure = (a: FastifyInstance): void => {
      acceptTarUploads(a, uploads, opts.maxUploadBytes ?? 2 * 1024 ** 3);
      registerGitRoutes(a, { ...gitDeps, db, secrets: deployDeps.secrets, socketPath, listener, log: (msg, fields) => log.info(fields ?? {}, msg) });
      if (listener === 'tcp' && dashboard && !dashboard.registerDashboard(a)) log.warn({ dir: dashboard.dashboardDir }, 'the dashboard is not built: run npm run build');
    };
    const app = await buildApp({ listener, auth, log, endpoints: api, handlers, configure });
    acceptTtyExec(app.server, listener, { ...auth, docker });
    apps.push(app);
    return app;
  };
  let socketOpen = false;
  const close = once(async () => {
    stopSupervising(); // nginx itself runs on: the sites stay up while the daemon is away
    schedule.stop();
    stopExpiring();
    await certs?.stop();
    await Promise.all(apps.map((app) => closeWithGrace(app, opts.closeGraceMs ?? 5000)));
    db.close();
    if (socketOpen) rmSync(socketPath, { force: true });
    log.info({ socket: socketPath }, 'daemon stopped');
  });
  try {
    const tcp = opts.listen ? await listenTcp(await make('tcp'), opts.listen) : undefined;
    if (tcp) tcpAddress = `${tcp.host}:${tcp.port}`;
    if (tcp && opts.domain) {
      await edgePort.apply(daemonRoute(opts.domain, tcp, certs !== undefined));
      log.info({ domain: opts.domain, https: certs !== undefined }, 'dashboard routed through the edge');
    }
    // The socket opens last: once `calma server status` answers, everything above is done
    // (a script that starts the daemon and then opens its --domain got the 404 of a route
    // not yet applied).
    const onSocket = await make('socket');
    await listenPrivately(socketPath, () => onSocket.listen({ path: socketPath })).catch((e: unknown) => {
      // Two daemons started at the same instant: the probe saw nothing, the kernel did.
      throw code(e) === 'EADDRINUSE' ? alreadyRunning(socketPath) : e;
    });
    socketOpen = true;
    log.info({ socket: socketPath, tcp: tcp ? `${tcp.host}:${tcp.port}` : undefined, version: calmaVersion }, 'daemon started');
    return { socketPath, ...(tcp ? { tcp } : {}), close };
  } catch (e) {
    await close().catch(() => undefined);
    throw e;
  }
}

async function listenTcp(app: FastifyInstance, at: { host: string; port: number }): Promise<{ host: string; port: number }> {
  try {
    await app.listen({ host: at.host, port: at.port });
  } catch (e) {
    const why = code(e) === 'EADDRINUSE' ? 'the address is in use' : code(e) === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new UserError(`cannot listen on ${at.host}:${at.port}: ${why}`);
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : at.port;
  return { host: at.host, port };
}

/** fastify's close() waits for every open request; a stuck client must not stall shutdown forever. */
async function closeWithGrace(app: FastifyInstance, graceMs: number): Promise<void> {
  const timer = setTimeout(() => app.server.closeAllConnections(), graceMs);
  try {
    await app.close();
  } finally {
    clearTimeout(timer);
  }
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined;
  return () => (p ??= fn());
}

function code(e: unknown): string | undefined {
  return (e as { code?: string } | null)?.code;
}

