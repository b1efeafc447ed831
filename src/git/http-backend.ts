// `git push` and `git fetch` over smart HTTP: the request is handed to the
// real `git http-backend` (a CGI program, spawned with an argv array and a
// fixed environment) and its answer streamed back. The hooks it runs reach the
// daemon through CALMA_SOCKET.
import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gitRoot } from './repos.js';

export interface BackendRequest {
  home: string;
  app: string;
  /** The path below the repository, e.g. `info/refs` or `git-receive-pack`. */
  rest: string;
  method: string;
  query: string;
  user: string;
  remoteAddr: string;
  socketPath: string;
}

const SERVICES = /^(?:info\/refs|git-upload-pack|git-receive-pack|HEAD|objects\/.+)$/;

export function isBackendPath(rest: string): boolean {
  return SERVICES.test(rest) && !rest.includes('..');
}

export function runBackend(r: BackendRequest, req: IncomingMessage, res: ServerResponse): void {
  const h = req.headers;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/',
    GIT_PROJECT_ROOT: gitRoot(r.home),
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: `/${r.app}.git/${r.rest}`,
    REQUEST_METHOD: r.method,
    QUERY_STRING: r.query,
    REMOTE_USER: r.user,
    REMOTE_ADDR: r.remoteAddr,
    CALMA_SOCKET: r.socketPath,
    CALMA_APP: r.app,
    ...(h['content-type'] ? { CONTENT_TYPE: String(h['content-type']) } : {}),
    ...(h['content-length'] ? { CONTENT_LENGTH: String(h['content-length']) } : {}),
    ...(h['content-encoding'] ? { HTTP_CONTENT_ENCODING: String(h['content-encoding']) } : {}),
    ...(h['git-protocol'] ? { GIT_PROTOCOL: String(h['git-protocol']) } : {}),
  };
  const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  req.pipe(child.stdin);
  child.stdin.on('error', () => undefined);
  child.stderr.on('data', () => undefined);
  let head = Buffer.alloc(0);
  let started = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (started) {
      if (!res.write(chunk)) child.stdout.pause();
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    started = true;
    const { status, headers } = parseCgiHead(head.subarray(0, end).toString('latin1'));
    res.writeHead(status, headers);
    res.write(head.subarray(end + 4));
  });
  res.on('drain', () => child.stdout.resume());
  child.on('close', (code) => {
    if (!started) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`git http-backend failed (exit ${code})\n`);
      return;
    }
    res.end();
  });
}

/** A CGI response head: `Status: 404 Not Found` and the headers to pass on. */
export function parseCgiHead(text: string): { status: number; headers: Record<string, string> } {
  let status = 200;
  const headers: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    if (name === 'status') status = Number.parseInt(value, 10) || 500;
    else headers[name] = value;
  }
  return { status, headers };
}
