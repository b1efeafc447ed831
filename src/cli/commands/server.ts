// `calma server`: run the daemon in the foreground, manage its API tokens,
// and ask whether it is running. Token commands work on state.db directly, so
// a first token can be made before the daemon ever ran (or while it runs:
// SQLite's WAL lets both write).
import { InvalidArgumentError, type Command, type Option } from 'commander';
import { join } from 'node:path';
import { api, scopes, type Scope } from '../../api/contract.js';
import { UserError } from '../../errors.js';
import { isAppName, isHostName } from '../../config/names.js';
import { tokenTable } from './access.js';
import { createToken, listTokens, revokeToken } from '../../server/tokens.js';
import { openDb } from '../../state/db.js';
import { ensureCalmaHome } from '../../state/home.js';
import { clientFromEnv } from '../client.js';
import { globalOptions, printJson } from '../context.js';
import { ACCESS_LOG_MODES, DEFAULT_ACCESS_LOG, type AccessLogMode } from '../../proxy/routes.js';

interface ServerOptions {
  listen?: { host: string; port: number };
  domain?: string;
  httpPort: number;
  httpsPort: number;
  edgeAddress: string;
  accessLog: AccessLogMode;
  appDns?: string[];
  acmeEmail?: string;
  acmeStaging?: boolean;
  acmeDirectory?: string;
  acmeCa?: string;
}

export function registerServer(program: Command): void {
  const server = program
    .command('server')
    .description('run the calma daemon in the foreground (API on a unix socket, optionally TCP) until SIGTERM or Ctrl-C')
    .option('--listen <host:port>', 'also serve the API on TCP (the dashboard, and the API with a token from `calma tokens create` or a user from `calma users add`)', parseHostPort)
    .option('--domain <host>', 'serve the dashboard and API through the edge at this host name (HTTPS with the --acme-* settings); needs --listen')
    .option('--http-port <n>', 'the port of the HTTP edge', parsePort, 80)
    .option('--https-port <n>', 'the port of the HTTPS edge', parsePort, 443)
    .option('--edge-address <ip>', 'the address the edge listens on', '0.0.0.0')
    .option('--access-log <mode>', `which requests the edge logs to $CALMA_HOME/edge/logs/access.log: ${ACCESS_LOG_MODES.join(', ')}`, parseAccessLog, DEFAULT_ACCESS_LOG)
    .option('--app-dns <ip...>', "DNS servers for app containers (default: the engine's)")
    .option('--acme-email <address>', 'the contact address of the ACME account (expiry notices)')
    .option('--acme-staging', "use Let's Encrypt's staging directory (untrusted certificates, generous limits): try it first")
    .option('--acme-directory <url>', "another ACME directory than Let's Encrypt's (e.g. a private CA)")
    .option('--acme-ca <file>', 'a PEM file of the CA to trust for --acme-directory')
    .addHelpText(
      'after',
      `
State lives in $CALMA_HOME (/var/lib/calma as root, else ~/.calma): state.db and the
API socket calma.sock (mode 0600: whoever can open it has full control). Logs are JSON
lines on stderr. One daemon per $CALMA_HOME: a second one refuses to start.
The edge is a managed nginx under $CALMA_HOME/edge on --http-port/--https-port; it keeps
serving when the daemon stops, and a restarted daemon takes it over.
Exit codes: 0 stopped by SIGTERM/SIGINT; 1 could not start (another daemon, port in use).`,
    )
    .action(async (opts: ServerOptions) => runServer(opts));

  // The subcommands' help lists calma's global flags but not the daemon's own (--listen…), which they ignore.
  const subHelp = {
    showGlobalOptions: true,
    visibleGlobalOptions: (cmd: Command): Option[] => {
      const ancestors: Command[] = [];
      for (let p = cmd.parent; p; p = p.parent) if (p !== server) ancestors.push(p);
      return ancestors.flatMap((p) => p.options.filter((o) => !o.hidden));
    },
  };
  server
    .command('status')
    .configureHelp(subHelp)
    .description('ask the daemon whether it runs (over the socket, or CALMA_URL when set); exit 1 when it does not')
    .action(async (_opts: unknown, cmd: Command) => {
      const client = clientFromEnv();
      const health = await client.call(api.health);
      if (globalOptions(cmd).json) printJson({ ...health, at: client.target });
      else process.stdout.write(`calma daemon ${health.version} is running at ${client.target}\n`);
    });

  registerTokenCommands(server.command('token').configureHelp(subHelp));
}

async function runServer(opts: ServerOptions): Promise<void> {
  // Loaded here, not at the top: every other command starts faster without the daemon's modules.
  const { startDaemon } = await import('../../server/daemon.js');
  const { createLogger } = await import('../../server/log.js');
  const home = ensureCalmaHome();
  const log = createLogger({ level: process.env.CALMA_LOG_LEVEL ?? 'info' });
  const edge = { prefix: join(home, 'edge'), httpPort: opts.httpPort, httpsPort: opts.httpsPort, bindAddress: opts.edgeAddress, accessLog: opts.accessLog };
  const { acmeSettings } = await import('../../tls/settings.js');
  const acme = acmeSettings(opts);
  if (opts.domain !== undefined && !opts.listen) throw new UserError('--domain needs --listen: the edge routes the domain to that address (e.g. --listen 127.0.0.1:7070)');
  if (opts.domain !== undefined && !isHostName(opts.domain)) throw new UserError(`--domain: "${opts.domain}" is not a host name`);
  const daemon = await startDaemon({ home, log, edge, acme, ...(opts.listen ? { listen: opts.listen } : {}), ...(opts.domain ? { domain: opts.domain } : {}), ...(opts.appDns ? { dns: opts.appDns } : {}) });
  // `once`: a second Ctrl-C during shutdown gets Node's default behaviour and ends the process at once.
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  log.info({ signal }, 'stopping');
  await daemon.close();
}

function registerTokenCommands(token: Command): void {
  token.description('API tokens for remote use over TCP (`calma server --listen`)');
  token
    .command('create')
    .description('create a token on this server without the daemon (the first one, for remote use) and print it once')
    .option('--scope <scope>', `one of ${scopes.join(', ')}`, 'admin')
    .option('--app <app>', 'limit the token to one app')
    .option('--name <name>', 'a label to recognise the token by in `calma tokens list`', 'default')
    .addHelpText('after', '\nThe token alone goes to stdout (`TOKEN=$(calma server token create)`); with --json: { id, token }.\nUse it as CALMA_TOKEN with CALMA_URL=http://HOST:PORT, or as `Authorization: Bearer <token>`.\nWith the daemon running, `calma tokens` does the same through its API.')
    .action((opts: { scope: string; app?: string; name: string }, cmd: Command) => {
      if (!(scopes as readonly string[]).includes(opts.scope)) throw new UserError(`--scope: expected ${scopes.join(', ')}, got "${opts.scope}"`);
      if (opts.app !== undefined && !isAppName(opts.app)) throw new UserError(`--app: "${opts.app}" is not an app name`);
      withDb((db) => {
        const t = createToken(db, { name: opts.name, scope: opts.scope as Scope, app: opts.app });
        if (globalOptions(cmd).json) printJson({ id: t.id, token: t.token });
        else {
          process.stderr.write(`created token ${t.id} (${t.name}, scope ${t.scope}${t.app ? `, app ${t.app} only` : ''}); it is shown only this once:\n`);
          process.stdout.write(`${t.token}\n`);
        }
      });
    });
  token
    .command('list')
    .description('list tokens: id, name, scope, app, created, expiry, last used (never their values)')
    .action((_opts: unknown, cmd: Command) => {
      withDb((db) => {
        const tokens = listTokens(db);
        if (globalOptions(cmd).json) printJson(tokens);
        else process.stdout.write(tokenTable(tokens));
      });
    });
  token
    .command('revoke')
    .description('revoke a token by its id: requests with it are refused (401) from now on')
    .argument('<id>', 'the token id shown by `calma tokens list`')
    .action((id: string, _opts: unknown, cmd: Command) => {
      withDb((db) => {
        revokeToken(db, id);
        if (globalOptions(cmd).json) printJson({ id, revoked: true });
        else process.stdout.write(`revoked token ${id}\n`);
      });
    });
}

function withDb<T>(fn: (db: ReturnType<typeof openDb>) => T): T {
  const db = openDb(join(ensureCalmaHome(), 'state.db'));
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 0 || n > 65535) throw new InvalidArgumentError(`expected a port number (0-65535), got "${value}"`);
  return n;
}

function parseHostPort(value: string): { host: string; port: number } {
  // The last colon separates the port, so [::1]:7070 works; brackets are dropped for listen().
  const i = value.lastIndexOf(':');
  if (i <= 0) throw new InvalidArgumentError(`expected HOST:PORT (e.g. 127.0.0.1:7070), got "${value}"`);
  const host = value.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  return { host, port: parsePort(value.slice(i + 1)) };
}

function parseAccessLog(value: string): AccessLogMode {
  const mode = ACCESS_LOG_MODES.find((m) => m === value);
  if (mode === undefined) throw new InvalidArgumentError(`expected one of ${ACCESS_LOG_MODES.join(', ')}, got "${value}"`);
  return mode;
}
