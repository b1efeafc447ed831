// Hand-written nginx under a private prefix (never the system one), as an
// operator would write it: a reverse proxy with one upstream with keep-alive,
// or a TLS server of one certificate.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { must, onCleanup, sleep, stopPid, tempDir } from './run.js';

export interface HandNginx {
  port: number;
  /** Its master's pid file (the workers are the master's children). */
  pidFile: string;
  /** Rewrites the config for a new upstream address and reloads gracefully. */
  reload(upstream: string): Promise<void>;
}

/** The main context, with `server` (its server blocks and whatever else belongs in http {}). */
function config(prefix: string, server: string): string {
  const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `    ${t}_temp_path ${prefix}/temp/${t};`).join('\n');
  return `daemon on;
worker_processes auto;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
events { worker_connections 4096; }
http {
${temps}
    access_log off;
${server}}
`;
}

/**
 * The practical limit of one nginx hop, as calma's edge is tuned too: upstream keep-alive with
 * idle connections for every client a worker may hold (64), and `reuseport` (a listening socket
 * per worker, the kernel spreading connections across them). Without reuseport, wrk's 64
 * connections split anywhere from 32/32 to 13/51 between the two workers over six rounds (with
 * it, 26/38 to 31/33), and a worker holding 51 clients with 32 idle upstream connections keeps
 * opening new ones: a handicap of the comparison, not a cost of calma's features.
 */
function proxyServer(port: number, upstream: string, required: boolean): string {
  return `    upstream app {
        server ${upstream};
        keepalive 64;
    }
${required ? REQUIRED_HEADERS_MAP : ''}    server {
        listen 127.0.0.1:${port} reuseport;
        location / {
            proxy_pass http://app;
            proxy_http_version 1.1;
${required ? REQUIRED_HEADERS : '            proxy_set_header Connection "";\n'}            proxy_set_header Host $host;
        }
    }
`;
}

/**
 * What an edge must send the app besides Host, written the usual way by hand: the WebSocket
 * upgrade (with an empty Connection otherwise, which keeps upstream connections alive), the
 * X-Forwarded-* headers and an X-Request-Id (nginx's own random one), also given to the client.
 */
const REQUIRED_HEADERS_MAP = `    map $http_upgrade $connection_upgrade {
        default upgrade;
        '' '';
    }
`;
const REQUIRED_HEADERS = `            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $host;
            proxy_set_header X-Request-Id $request_id;
            add_header X-Request-Id $request_id always;
`;

/**
 * The whole nginx.conf of the hand-written proxy under `prefix` (edge-instructions runs it itself);
 * `required`: with the headers an edge must send (REQUIRED_HEADERS), else the bare minimum.
 */
export function handProxyConfig(prefix: string, port: number, upstream: string, required = false): string {
  return config(prefix, proxyServer(port, upstream, required));
}

/** Starts nginx on `port` proxying to `upstream` (host:port); stopped by its pid file at the end. */
export async function startHandNginx(port: number, upstream: string, o: { required?: boolean } = {}): Promise<HandNginx> {
  const render = (at: string) => (prefix: string) => handProxyConfig(prefix, port, at, o.required);
  const { prefix, reconfigure } = await startPrivateNginx(render(upstream));
  return { port, pidFile: join(prefix, 'nginx.pid'), reload: (next) => reconfigure(render(next)) };
}

/**
 * Starts nginx serving TLS on `port` with one certificate and key (any name: no SNI needed),
 * TLS 1.2 and 1.3 and no session cache, answering "ok" to every request; stopped at the end.
 */
export async function startTlsNginx(port: number, certificate: string, key: string): Promise<void> {
  await startPrivateNginx((prefix) =>
    config(
      prefix,
      `    server {
        listen 127.0.0.1:${port} ssl;
        ssl_certificate ${certificate};
        ssl_certificate_key ${key};
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache off;
        location / {
            return 200 "ok\n";
        }
    }
`,
    ),
  );
}

/** Starts nginx on a private prefix with the config render(prefix) gives; returns how to reload it with another. */
async function startPrivateNginx(render: (prefix: string) => string): Promise<{ prefix: string; reconfigure: (next: (prefix: string) => string) => Promise<void> }> {
  const prefix = tempDir('calma-bench-nginx-');
  mkdirSync(join(prefix, 'logs'));
  mkdirSync(join(prefix, 'temp'));
  const conf = join(prefix, 'nginx.conf');
  const base = ['-p', prefix, '-c', conf, '-e', join(prefix, 'logs', 'error.log')];
  writeFileSync(conf, render(prefix));
  onCleanup('hand-written nginx', () => {
    let pid = 0;
    try {
      pid = Number(readFileSync(join(prefix, 'nginx.pid'), 'utf8').trim());
    } catch {
      // never started
    }
    return stopPid(pid > 0 ? pid : undefined);
  });
  await must('nginx', base);
  await sleep(100);
  const reconfigure = async (next: (prefix: string) => string): Promise<void> => {
    writeFileSync(conf, next(prefix));
    await must('nginx', [...base, '-s', 'reload']);
  };
  return { prefix, reconfigure };
}
