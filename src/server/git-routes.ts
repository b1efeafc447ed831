// The two ways git reaches the daemon that are not the JSON API: the smart
// HTTP remote (`/git/<app>.git/…`, authenticated with a calma token as the
// Basic password over TCP) and the webhooks (`/hooks/<provider>/<app>`,
// authenticated by their signature, which is checked on the raw bytes before
// anything is parsed). Both register with `selfAuth`: the API's bearer-token
// hook does not apply to them.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isAppName } from '../config/names.js';
import { scopes, type Scope } from '../api/contract.js';
import { errorMessage, UserError } from '../errors.js';
import { fetchBranch, fetchPullRequest, hasCommit } from '../git/checkout.js';
import { isBackendPath, runBackend } from '../git/http-backend.js';
import { repoDir } from '../git/repos.js';
import { tokenEnv } from '../git/run-git.js';
import { webhookProviders, WebhookPayloadError, type HookEvent, type WebhookProvider } from '../git/webhooks/event.js';
import { parseWebhook } from '../git/webhooks/parse.js';
import { verifyWebhook } from '../git/webhooks/verify.js';
import { deliverDeletion, deliverPush, type DeliverDeps } from '../pipeline/deliver.js';
import { deliverTag, type TagDeps } from '../pipeline/tag.js';
import type { Db } from '../state/db.js';
import type { SecretBox } from '../state/secret-box.js';
import { openSecrets } from '../state/secrets.js';
import { latestConfig } from '../state/history.js';
import type { Listener } from './auth.js';
import { verifyToken } from './tokens.js';

export const WEBHOOK_MAX_BYTES = 5 * 1024 * 1024;

export interface GitRouteDeps extends DeliverDeps, TagDeps {
  db: Db;
  secrets: SecretBox;
  socketPath: string;
  listener: Listener;
  log: (msg: string, fields?: Record<string, unknown>) => void;
}

const send = (reply: FastifyReply, status: number, message: string, extra: Record<string, unknown> = {}): FastifyReply =>
  reply.code(status).send(status < 300 ? { ok: true, message, ...extra } : { error: { kind: status === 401 ? 'auth' : status === 404 ? 'not_found' : 'user', message } });

/** Over TCP: a calma token as the Basic password (what git sends), with at least `need`. */
function gitPrincipal(deps: GitRouteDeps, req: FastifyRequest, app: string, need: Scope): { user: string } | 'missing' | 'weak' {
  if (deps.listener === 'socket') return { user: 'socket' };
  const m = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!m) return 'missing';
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const token = decoded.slice(decoded.indexOf(':') + 1);
  const info = verifyToken(deps.db, token);
  if (!info) return 'missing';
  // A token made for another app is as weak here as a read token is for a push.
  if (info.app !== null && info.app !== app) return 'weak';
  return scopes.indexOf(info.scope) >= scopes.indexOf(need) ? { user: info.name } : 'weak';
}

// An oversized body is read to its end (up to this much) before the 413 goes
// out: a sender still writing when the answer comes would see a broken pipe,
// not the answer. Beyond it, the connection is cut.
const WEBHOOK_DRAIN_BYTES = 4 * WEBHOOK_MAX_BYTES;

function readHookBody(payload: NodeJS.ReadableStream, done: (err: Error | null, body?: Buffer) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  payload.on('data', (c: Buffer) => {
    size += c.length;
    if (size <= WEBHOOK_MAX_BYTES) chunks.push(c);
    else if (size > WEBHOOK_DRAIN_BYTES) (payload as unknown as { destroy(): void }).destroy();
  });
  payload.on('error', (e: Error) => done(e));
  payload.on('end', () => {
    if (size <= WEBHOOK_MAX_BYTES) return done(null, Buffer.concat(chunks));
    done(Object.assign(new Error(`the body is over ${WEBHOOK_MAX_BYTES / 1024 / 1024} MB`), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' }));
  });
}

export function registerGitRoutes(app: FastifyInstance, deps: GitRouteDeps): void {
  const recent = new Set<string>();
  app.register(async (scope) => {
    // Bodies stay streams (a push can be large); the backend reads them itself.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    scope.route({
      method: ['GET', 'POST'],
      url: '/git/:repo/*',
      config: { selfAuth: true },
      handler: async (req, reply) => {
        const { repo, '*': rest } = req.params as { repo: string; '*': string };
        const app = repo.endsWith('.git') ? repo.slice(0, -4) : repo;
        if (!isAppName(app) || !deps.gitApps.get(app) || !isBackendPath(rest)) return send(reply, 404, `no repository ${repo}`);
        const pushing = rest === 'git-receive-pack' || (req.query as { service?: string }).service === 'git-receive-pack';
        const who = gitPrincipal(deps, req, app, pushing ? 'deploy' : 'read');
        if (who === 'missing') return send(reply.header('www-authenticate', 'Basic realm="calma"'), 401, 'a calma token is needed as the password (calma tokens create --scope deploy)');
        if (who === 'weak') return send(reply, 403, `this token cannot ${pushing ? 'push to' : 'read'} ${app}: it needs the ${pushing ? 'deploy' : 'read'} scope for this app`);
        reply.hijack();
        runBackend(
          { home: deps.home, app, rest, method: req.method, query: req.url.split('?')[1] ?? '', user: who.user, remoteAddr: req.ip, socketPath: deps.socketPath },
          req.raw,
          reply.raw,
        );
      },
    });
  });

  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, payload, done) => readHookBody(payload, done));
    scope.post('/hooks/:provider/:app', { config: { selfAuth: true } }, async (req, reply) => {
      const { provider, app } = req.params as { provider: string; app: string };
      if (!(webhookProviders as readonly string[]).includes(provider)) return send(reply, 404, `no webhook for "${provider}" (there are ${webhookProviders.join(', ')})`);
      const secret = isAppName(app) ? deps.gitApps.webhookSecret(app) : undefined;
      if (!secret) return send(reply, 404, `no app ${app} connected to git (calma apps create ${isAppName(app) ? app : 'APP'})`);
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const verdict = verifyWebhook(provider as WebhookProvider, req.headers, raw, secret);
      if (!verdict.ok) return send(reply, 401, verdict.reason);
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return send(reply, 400, 'the body is not valid JSON');
      }
      let event: HookEvent;
      try {
        event = parseWebhook(provider as WebhookProvider, req.headers, body);
      } catch (e) {
        if (e instanceof WebhookPayloadError) return send(reply, 400, e.message);
        throw e;
      }
      if (event.kind === 'ignored') return send(reply, 202, `ignored: ${event.reason}`);
      // The same delivery twice (a replay, or a host retrying) runs once.
      const delivery = [req.headers['x-github-delivery'], req.headers['x-gitea-delivery'], req.headers['x-gitlab-event-uuid']].find((v) => typeof v === 'string');
      if (typeof delivery === 'string') {
        if (recent.has(delivery)) return send(reply, 409, `delivery ${delivery} was already received`);
        recent.add(delivery);
        if (recent.size > 1000) recent.delete(recent.values().next().value!);
      }
      // Hosts give up on a hook after about 10 s: the work goes on after the answer.
      void act(deps, app, provider, event).catch((e: unknown) => deps.log('webhook failed', { app, provider, error: errorMessage(e) }));
      return send(reply, 202, `accepted: ${event.kind}`, { event: event.kind });
    });
  });
}

/** The token of the app's newest calma.yml `source.token`, for fetching. */
function fetchEnv(deps: GitRouteDeps, app: string): Record<string, string> {
  const name = latestConfig(deps.db, app)?.source?.token;
  if (!name) return {};
  return tokenEnv(openSecrets(deps.db, deps.secrets, app, [name]).values[name]);
}

async function act(deps: GitRouteDeps, app: string, provider: string, event: Exclude<HookEvent, { kind: 'ignored' }>): Promise<void> {
  const log = (e: { type: string }): void => {
    if (e.type === 'pipeline') deps.log('webhook pipeline', { app, ...e });
  };
  if (event.kind === 'branch-deleted') return deliverDeletion(deps, app, event.branch, log);
  if (event.kind === 'pull-request' && event.action === 'closed') return deliverDeletion(deps, app, event.branch, log);
  if (event.kind === 'tag') return deliverTag(deps, app, event.tag, event.sha, (e) => e.type === 'log' && deps.log('webhook tag', { app, line: e.line }));
  const repo = repoDir(deps.home, app);
  if (!(await hasCommit(repo, event.sha))) {
    // Only the repository the app was connected to is fetched from, never a URL a payload names.
    const url = deps.gitApps.get(app)?.repository;
    if (!url) throw new UserError(`${app} has no repository to fetch ${event.sha.slice(0, 12)} from: set source.repository in calma.yml, or calma apps create ${app} --repository URL`);
    if (event.kind === 'pull-request') await fetchPullRequest(repo, url, provider, event.number, fetchEnv(deps, app));
    else await fetchBranch(repo, url, event.branch, fetchEnv(deps, app));
  }
  await deliverPush(deps, app, { branch: event.branch, sha: event.sha, trigger: 'webhook', ...(event.kind === 'pull-request' ? { pullRequest: event.number } : {}) }, log);
}
