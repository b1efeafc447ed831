// A hand-written nginx reverse proxy under a private prefix (never the system
// one), as an operator would write it: one upstream with keep-alive.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { must, onCleanup, sleep, stopPid, tempDir } from './run.js';

export interface HandNginx {
  port: number;
  /** Rewrites the config for a new upstream address and reloads gracefully. */
  reload(upstream: string): Promise<void>;
}

function config(prefix: string, port: number, upstream: string): string {
  const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `    ${t}_temp_path ${prefix}/temp/${t};`).join('\n');
  return `daemon on;
worker_processes auto;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
events { worker_connections 4096; }
http {
${temps}
    access_log off;
    upstream app {
        server ${upstream};
        keepalive 32;
    }
    server {
        listen 127.0.0.1:${port};
        location / {
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
        }
    }
}
`;
}

/** Starts nginx on `port` proxying to `upstream` (host:port); stopped by its pid file at the end. */
export async function startHandNginx(port: number, upstream: string): Promise<HandNginx> {
  const prefix = tempDir('calma-bench-nginx-');
  mkdirSync(join(prefix, 'logs'));
  mkdirSync(join(prefix, 'temp'));
  const conf = join(prefix, 'nginx.conf');
  const base = ['-p', prefix, '-c', conf, '-e', join(prefix, 'logs', 'error.log')];
  writeFileSync(conf, config(prefix, port, upstream));
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
  return {
    port,
    reload: async (next: string) => {
      writeFileSync(conf, config(prefix, port, next));
      await must('nginx', [...base, '-s', 'reload']);
    },
  };
}
