// nginx configuration as pure functions of the routes: same input, same bytes.
// No I/O here, so every line is pinned by exact-output tests. Inputs must have
// passed validateRoute/validateSettings; the renderer re-checks (cheap) so a
// caller that forgot cannot produce an injectable file.

import { join } from 'node:path';
import { edgePaths } from './paths.js';
import { DEFAULT_ACCESS_LOG, hostPort, validateRoute, validateSettings, type AccessLogMode, type EdgeSettings, type Route, type Upstream } from './routes.js';
import { createHash } from 'node:crypto';
import { UserError } from '../errors.js';

/** Small pages in calma's words instead of nginx's. No `'` or `$`: they sit in a single-quoted nginx string that interpolates variables. */
function page(status: string, text: string): string {
  return `<!doctype html><html><head><title>${status}</title></head><body style="font-family:sans-serif;margin:3em"><h1>${status}</h1><p>${text}</p><p><small>calma</small></p></body></html>`;
}
export const NOT_FOUND_PAGE = page('404 Not Found', 'No application is served at this address.');
export const UNAVAILABLE_PAGE = page('503 Service Unavailable', 'This application has no running instance right now. Please retry in a moment.');

export function envFileName(app: string, env: string): string {
  return `${app}--${env}.conf`;
}

/**
 * `u` and 8 to 23 hex digits of a hash of the environment, then its names. nginx
 * finds an upstream by comparing its name with every one defined before it, byte
 * by byte when the lengths match: names that all began `calma_` made a thousand
 * apps' configuration take a second to load; differing from the second byte on,
 * a third of that. Apps named alike have names of one length, so the hash's own
 * length varies too (its ninth digit says how many more follow): lengths then
 * match for one pair in sixteen, which took another third off nginx's load of a
 * thousand environments (497 to 252 million instructions with the proxy settings
 * moved to the http block).
 */
export function upstreamName(app: string, env: string, slot: 'a' | 'b'): string {
  const hash = createHash('sha256').update(`${app}\0${env}`).digest('hex');
  const digits = 8 + parseInt(hash[8]!, 16);
  // `_` is allowed in neither name, so `__` cannot be ambiguous.
  return `u${hash.slice(0, digits)}_${app}__${env}__${slot}`;
}

/** The file whose presence makes slot b live (its absence, slot a). */
export function liveMarkerName(app: string, env: string): string {
  return `${app}--${env}.b`;
}

/**
 * The file whose presence lets a staged environment serve (see renderEnvironmentConfig's
 * `staged`): until it exists, the staged file answers 503 whatever the slots hold.
 */
export function servingMarkerName(app: string, env: string): string {
  return `${app}--${env}.on`;
}

/** The first line of every environment file: which route owns it (file names alone could collide, `a--b` + `c` vs `a` + `b--c`). */
export function ownerLine(app: string, env: string): string {
  return `# calma route app=${app} env=${env}`;
}

/** A stamp of one nginx master's life: base-36 letters and digits. */
const EPOCH_PATTERN = /^[a-z0-9]{1,16}$/;

/**
 * The file nginx.conf includes that defines $calma_request_id, written each time a new
 * nginx master starts (`epoch` names that start). An incoming X-Request-Id is kept when
 * it looks like one (a caller's trace continues through the edge); anything else gets a
 * new id: the epoch, the connection's serial number and the request's number on it.
 * nginx counts connections for its master's whole life, across reloads, so the three are
 * unique on this server without a clock or a random number per request: the time, the
 * worker's pid and nginx's own $request_id (random bytes from OpenSSL) each cost a
 * formatting or a system call on every request. Most requests carry no id: the exact ""
 * entry answers them from the hash, without running the regex.
 */
export function renderRequestIdConfig(epoch: string): string {
  if (!EPOCH_PATTERN.test(epoch)) throw new UserError(`the edge epoch ${JSON.stringify(epoch)} must be 1-16 lowercase letters and digits`);
  const fresh = `${epoch}-\${connection}-\${connection_requests}`;
  return `# Managed by calma: written when the edge starts, do not edit.
map $http_x_request_id $calma_request_id {
    "" "${fresh}";
    "~^[A-Za-z0-9._:-]{1,128}$" $http_x_request_id;
    default "${fresh}";
}
`;
}

/** Statuses the default access log leaves out: answers that went as asked. */
const UNREMARKABLE_STATUSES = ['101', '200', '201', '202', '204', '206', '301', '302', '303', '304', '307', '308'];

/** The access_log lines of nginx.conf for `mode` (see EdgeSettings.accessLog). */
function accessLog(mode: AccessLogMode, path: string): string {
  if (mode === 'off') return '    access_log off;\n';
  const all = `    # Buffered: one write per 64 KB (or per second) instead of one per request.
    access_log ${path} calma buffer=64k flush=1s`;
  if (mode === 'all') return `${all};\n`;
  return `    # Errors only (calma server --access-log): the lines worth reading are not rotated
    # away by a busy site's 200s, and a request that went as asked costs no line.
    map $status $calma_log_line {
        ${UNREMARKABLE_STATUSES.map((s) => `${s} "";`).join(' ')}
        default 1;
    }
${all} if=$calma_log_line;\n`;
}

/**
 * nginx.conf. `include` is what the http block includes: every environment's
 * file, or (for checking one environment's file on its own) that file alone.
 */
export function renderMainConfig(settings: EdgeSettings, include?: string): string {
  validateSettings(settings);
  const p = edgePaths(settings);
  const http = hostPort(settings.bindAddress, settings.httpPort);
  const https = hostPort(settings.bindAddress, settings.httpsPort);
  return `# Managed by calma: rewritten on every start, do not edit.
# daemon on: nginx keeps serving when calma's daemon stops or restarts.
daemon on;
worker_processes auto;
# A long WebSocket must not keep a worker of an old configuration forever.
worker_shutdown_timeout 10s;
pid ${p.pid};
error_log ${p.errorLog} warn;

events {
    worker_connections 4096;
}

http {
    client_body_temp_path ${p.temp}/client_body;
    proxy_temp_path ${p.temp}/proxy;
    fastcgi_temp_path ${p.temp}/fastcgi;
    uwsgi_temp_path ${p.temp}/uwsgi;
    scgi_temp_path ${p.temp}/scgi;

    # $calma_request_id: the request's id, kept from the client or made by the edge.
    include ${p.requestIds};
    log_format calma '$remote_addr [$time_iso8601] $host "$request" $status $body_bytes_sent '
                     '$request_time "$upstream_addr" $upstream_response_time $calma_request_id';
${accessLog(settings.accessLog ?? DEFAULT_ACCESS_LOG, p.accessLog)}
    # The daemon's own probes (with its token) are told which replica answered, so a
    # switch is verified on the new release; every other request gets no such header.
    map $http_x_calma_probe $calma_probe_upstream {
        default "";
${settings.probeToken ? `        "${settings.probeToken}" $upstream_addr;\n` : ''}    }

    # "upgrade" for WebSockets; otherwise an empty Connection, which keeps the
    # upstream connection alive (the default "close" would defeat keepalive).
    map $http_upgrade $connection_upgrade {
        default upgrade;
        '' '';
    }

    # TLS 1.2 and 1.3 only; resumed sessions skip the full handshake.
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:calma_tls:10m;
    ssl_session_timeout 1d;

    server_tokens off;
    sendfile on;
    tcp_nodelay on;
    keepalive_timeout 65s;
    # Room for a thousand apps with long host names.
    server_names_hash_max_size 65536;
    server_names_hash_bucket_size 128;

    # Unknown hosts: a calma 404, never some app's site.
    server {
        # reuseport: a listening socket per worker, the kernel spreading new
        # connections evenly across them instead of whichever worker wakes first.
        listen ${http} default_server reuseport;
        server_name _;
        location / {
            default_type text/html;
            return 404 '${NOT_FOUND_PAGE}';
        }
    }

    # HTTPS for a name with no certificate: refuse the handshake rather than
    # show another site's certificate.
    server {
        listen ${https} ssl http2 default_server reuseport;
        ssl_reject_handshake on;
    }

    # How every environment's location proxies, set once here and inherited: an
    # environment setting its own would cost nginx a headers hash per environment.
${PROXY_DEFAULTS}
    # Every answer's request id, and the probe's upstream (see above): inherited by each
    # location that adds no header of its own.
${PROXY_ANSWER_HEADERS}
    include ${include ?? `${p.envs}/*.conf`};
}
`;
}

function sortedUnique<T>(items: T[], key: (t: T) => string): T[] {
  const byKey = new Map(items.map((t) => [key(t), t]));
  return [...byKey.keys()].sort().map((k) => byKey.get(k) as T);
}

/**
 * Idle connections to the app each worker keeps. It must cover the requests a worker has
 * in flight at once, or every answer beyond it closes its connection and the next request
 * opens one: with 64 clients over 2 workers, 32 meant a new connection to the app every
 * 70-300 requests (connect, accept, close on both sides), 64 one every 500-1,000, most of
 * them from nginx's own limit of 1,000 requests per connection. Each slot costs nginx
 * about 150 bytes per upstream block, used or not.
 */
const UPSTREAM_KEEPALIVE = 64;

function upstreamBlock(name: string, upstreams: Upstream[]): string {
  const servers = upstreams.map((u) => `    server ${hostPort(u.host, u.port)} max_fails=1 fail_timeout=5s;\n`).join('');
  return `upstream ${name} {\n${servers}    keepalive ${UPSTREAM_KEEPALIVE};\n}\n\n`;
}

/**
 * How every environment's `location /` proxies, set once in the http block: a location
 * that sets none of these inherits them as they are, where one setting its own
 * proxy_set_header would make nginx build and keep a headers hash per environment
 * (a thousand apps' configuration loaded 23 % slower and each worker held 10 % more).
 */
export const PROXY_DEFAULTS = `    proxy_http_version 1.1;
    proxy_set_header Host $host;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection $connection_upgrade;
    # The edge is the first hop: the client's own X-Forwarded-For is not trusted.
    # Only these: the app parses every header on every request. X-Real-IP would
    # repeat X-Forwarded-For; X-Forwarded-Port is the edge's 80 or 443, which
    # X-Forwarded-Proto already says.
    proxy_set_header X-Forwarded-For $remote_addr;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_set_header X-Forwarded-Host $host;
    proxy_set_header X-Request-Id $calma_request_id;
    proxy_connect_timeout 5s;
    proxy_send_timeout 60s;
    proxy_read_timeout 60s;
    # A replica that is going away is skipped, not shown to the client
    # (non-idempotent requests are never replayed by nginx).
    proxy_next_upstream error timeout;
    proxy_next_upstream_tries 3;
`;

/**
 * The headers calma adds to every answer, set once in the http block: a location with
 * none of its own inherits them, so nginx loads two directives fewer per environment (a
 * thousand environments' configuration took 8 % fewer instructions to load).
 */
export const PROXY_ANSWER_HEADERS = `    add_header X-Request-Id $calma_request_id always;
    add_header X-Calma-Upstream $calma_probe_upstream always;`;

/** The answer headers at another depth than the http block's. */
const answerHeaders = (indent: string): string => PROXY_ANSWER_HEADERS.replace(/^ {4}/gm, indent) + '\n';

/** A location with an add_header of its own (HSTS) inherits none from above: it repeats them. */
export const PROXY_LOCATION = answerHeaders('        ');

/**
 * calma's 503 while nothing serves, at `indent` (a location, or an `if` in one). Its
 * Retry-After is an add_header of its own, so it repeats the answer headers: the
 * request id reaches the client on this page too. `extra`: more headers of the location's.
 */
function unavailable(indent: string, extra = ''): string {
  return `${indent}add_header Retry-After 5 always;\n${answerHeaders(indent)}${extra}${indent}return 503 '${UNAVAILABLE_PAGE}';\n`;
}

/** HTTP-01 challenges are answered from files calma writes, before any redirect to HTTPS. */
function challengeLocation(settings: EdgeSettings): string {
  return `    location ^~ /.well-known/acme-challenge/ {
        alias ${edgePaths(settings).challenges}/;
        default_type text/plain;
    }

`;
}

/** 301 for GET and HEAD, 308 otherwise (a POST stays a POST, with its body). */
function redirectToHttps(settings: EdgeSettings): string {
  const target = `https://$host${settings.httpsPort === 443 ? '' : `:${settings.httpsPort}`}$request_uri`;
  return `        if ($request_method !~ ^(GET|HEAD)$) {
            return 308 ${target};
        }
        return 301 ${target};
`;
}

const HSTS = '        add_header Strict-Transport-Security "max-age=31536000" always;\n';

function serverBlock(listen: string, domains: string[], maxBody: number, body: string): string {
  return `server {
    listen ${listen};
    server_name ${domains.join(' ')};
    client_max_body_size ${maxBody};
${body}}
`;
}

/** The upstream blocks and what `location /` does: proxy to the live slot, or answer 503. */
function serving(route: Route, settings: EdgeSettings, staged: boolean, hsts: boolean): { blocks: string; location: string } {
  const byHost = (list: Upstream[]): Upstream[] => sortedUnique(list, (u) => hostPort(u.host, u.port));
  const liveSlot = route.slot ?? 'a';
  const other = liveSlot === 'a' ? 'b' : 'a';
  const slots = { [liveSlot]: byHost(route.upstreams), [other]: byHost(route.standby ?? []) } as Record<'a' | 'b', Upstream[]>;
  if (slots[liveSlot].length === 0) {
    // No healthy replica: answer at once rather than wait on a connect timeout.
    return { blocks: '', location: `        default_type text/html;\n${unavailable('        ', hsts ? HSTS : '')}` };
  }
  // HSTS is an add_header of the location's own: with it the location must repeat the inherited ones.
  const ownHeaders = hsts ? PROXY_LOCATION + HSTS : '';
  const name = (slot: 'a' | 'b'): string => upstreamName(route.app, route.env, slot);
  const present = (['a', 'b'] as const).filter((slot) => slots[slot].length > 0);
  const blocks = present.map((slot) => upstreamBlock(name(slot), slots[slot])).join('');
  // Staged: 503 until a marker says the environment serves (default_type is for that
  // page only: nginx never applies it to a proxied answer).
  const servingMarker = join(edgePaths(settings).live, servingMarkerName(route.app, route.env));
  const closed = `        if (!-f ${servingMarker}) {\n${unavailable('            ')}        }\n`;
  const head = staged ? '        default_type text/html;\n' : '';
  if (present.length === 1) return { blocks, location: `${head}${staged ? closed : ''}        proxy_pass http://${name(liveSlot)};\n${ownHeaders}` };
  // Both slots: a per-request check of the marker file picks one. Each branch names its
  // block directly (not through a variable, which nginx would look up among all upstream
  // blocks per request: slow with a thousand apps); the if-branch inherits the headers below.
  // Staged, slot b's marker is checked first and, present, ends the checks (`break`): it
  // appears only when the environment opens, so a release in slot b (where a new
  // environment's first one goes) costs each request one file check, as in the plain
  // file, not two. Slot a serves once the serving marker exists.
  const marker = join(edgePaths(settings).live, liveMarkerName(route.app, route.env));
  const pickB = `        if (-f ${marker}) {\n            proxy_pass http://${name('b')};\n${staged ? '            break;\n' : ''}        }\n`;
  return { blocks, location: `${head}${pickB}${staged ? closed : ''}        proxy_pass http://${name('a')};\n${ownHeaders}` };
}

/**
 * One environment's include file: an upstream block per slot that has
 * replicas (round-robin across them), the HTTP server and, once the
 * environment has a certificate, the HTTPS server (HTTP then redirects,
 * except ACME's challenge path). The live slot is deliberately not in the
 * text: a release switch between the two slots leaves the file unchanged,
 * so nginx is not reloaded (a reload closes idle client connections, which
 * some clients see as failed requests).
 *
 * `staged`: the same file answering 503 while neither slot b's marker nor the
 * serving marker exists. A new environment's file is loaded this way while its
 * first release starts (its reload then costs the deployment no time); once the
 * release is healthy, creating the markers lets traffic in, and the plain file
 * is written without a reload: with the serving marker present both behave
 * alike, and the next reload of nginx, for whatever reason, loads the plain one.
 */
export function renderEnvironmentConfig(route: Route, settings: EdgeSettings, o: { staged?: boolean } = {}): string {
  validateSettings(settings);
  validateRoute(route);
  const domains = sortedUnique(route.domains.map((d) => d.toLowerCase()), (d) => d);
  const head = `${ownerLine(route.app, route.env)}\n# Managed by calma: rewritten when the environment's domains, port, replicas or certificate change, do not edit.\n\n`;
  // No domain: the environment is reachable by no name; an empty file keeps nginx from
  // treating it as a catch-all server ("server_name ''").
  if (domains.length === 0) return head;
  const { blocks, location } = serving(route, settings, o.staged === true, route.tls !== undefined && route.hsts === true);
  // Only an environment that wants a certificate answers ACME's challenges: one location fewer to load for every other.
  const challenge = route.https === true || route.tls !== undefined ? challengeLocation(settings) : '';
  const httpListen = hostPort(settings.bindAddress, settings.httpPort);
  if (!route.tls) return head + blocks + serverBlock(httpListen, domains, route.maxBodyBytes, `\n${challenge}    location / {\n${location}    }\n`);
  const http = serverBlock(httpListen, domains, route.maxBodyBytes, `\n${challenge}    location / {\n${redirectToHttps(settings)}    }\n`);
  const https = serverBlock(
    `${hostPort(settings.bindAddress, settings.httpsPort)} ssl http2`,
    domains,
    route.maxBodyBytes,
    `    ssl_certificate ${route.tls.certificate};\n    ssl_certificate_key ${route.tls.key};\n\n    location / {\n${location}    }\n`,
  );
  return head + blocks + http + '\n' + https;
}
