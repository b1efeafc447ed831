// Helpers for the daemon's tests: a private CALMA_HOME, a free loopback port,
// a logger whose lines the test can read, and raw HTTP over the unix socket.
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/server/log.js';
import type { EdgeSettings } from '../../src/proxy/routes.js';
import { readIfExists } from '../../src/proxy/files.js';
import { edgePaths } from '../../src/proxy/paths.js';

/** A fresh CALMA_HOME; short, because a unix socket path must stay under ~104 bytes. */
export function tempHome(): { home: string; cleanup(): void } {
  const home = mkdtempSync(join(tmpdir(), 'calma-srv-'));
  return {
    home,
    cleanup: () => {
      stopTestNginx(home);
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Edge settings for a test daemon: its nginx under the home, on free loopback ports. */
export async function testEdge(home: string): Promise<EdgeSettings> {
  return { prefix: join(home, 'edge'), httpPort: await freePort(), httpsPort: await freePort(), bindAddress: '127.0.0.1' };
}

/** The daemon leaves its nginx serving on purpose; a test ends the one it caused, by its pid file. */
function stopTestNginx(home: string): void {
  const pid = Number(readIfExists(edgePaths({ prefix: join(home, 'edge') }).pid)?.trim());
  if (pid > 0) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** A pino logger writing into memory: `lines()` returns every JSON line so far. */
export function memoryLogger(): { log: Logger; text(): string } {
  let text = '';
  const dest = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  return { log: createLogger({ level: 'debug', dest }), text: () => text };
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request over the unix socket, bypassing the typed client (to see exactly what is on the wire). */
export function socketRequest(socketPath: string, path: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, path, method: init.method ?? 'GET', headers: init.headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}
