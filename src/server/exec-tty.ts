// Interactive `calma exec`: an HTTP upgrade (`Upgrade: calma-exec`) turns the
// connection into the raw two-way stream of a Docker exec with a terminal,
// as the engine's own API does. Authentication is the API's: the socket is
// trusted, TCP needs a token with the deploy scope.
import type Docker from 'dockerode';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { toWireError, ApiError } from '../api/errors.js';
import { isAppName, isDnsLabel } from '../config/names.js';
import { targetContainerNames } from './serving.js';
import { authenticate, authorize, requireApp, type AuthDeps, type Listener } from './auth.js';

export const EXEC_UPGRADE = 'calma-exec';
const PATH = /^\/v1\/apps\/([^/]+)\/exec-tty$/;

export function acceptTtyExec(server: Server, listener: Listener, deps: AuthDeps & { docker: Docker }): void {
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    start(req, socket, head, listener, deps).catch((e: unknown) => {
      const { status, body } = toWireError(e);
      socket.end(`HTTP/1.1 ${status} Error\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${JSON.stringify(body)}`);
    });
  });
}

async function start(req: IncomingMessage, socket: Duplex, head: Buffer, listener: Listener, deps: AuthDeps & { docker: Docker }): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://calma');
  const m = PATH.exec(url.pathname);
  if (!m || req.headers.upgrade !== EXEC_UPGRADE) throw new ApiError('not_found', `no such upgrade: ${url.pathname}`);
  // Bearer tokens only: a browser's cookie must not open a shell in a container.
  const principal = authenticate(deps, listener, { method: 'POST', authorization: req.headers.authorization, session: undefined, csrf: undefined });
  authorize(principal, 'deploy');
  const app = decodeURIComponent(m[1]!);
  requireApp(principal, app);
  const env = url.searchParams.get('env') ?? 'production';
  let command: unknown;
  try {
    command = JSON.parse(url.searchParams.get('cmd') ?? '[]');
  } catch {
    command = undefined; // refused below with the field named
  }
  if (!isAppName(app)) throw new ApiError('validation', 'invalid app name', [{ path: 'params.app', message: 'expected an app name like shop' }]);
  if (!isDnsLabel(env)) throw new ApiError('validation', 'invalid environment', [{ path: 'query.env', message: 'expected an environment name like production' }]);
  if (!Array.isArray(command) || command.length === 0 || !command.every((c) => typeof c === 'string')) {
    throw new ApiError('validation', 'invalid command', [{ path: 'query.cmd', message: 'expected a JSON list of strings' }]);
  }
  const service = url.searchParams.get('service') ?? undefined;
  if (service !== undefined && !isDnsLabel(service)) throw new ApiError('validation', 'invalid service', [{ path: 'query.service', message: 'expected a service name like db' }]);
  const [container] = await targetContainerNames(deps.docker, app, env, service);
  const term = /^[A-Za-z0-9._-]{1,64}$/.test(url.searchParams.get('term') ?? '') ? url.searchParams.get('term')! : 'xterm';
  const exec = await deps.docker.getContainer(container!).exec({
    Cmd: command as string[],
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: true,
    Env: [`TERM=${term}`],
  });
  const stream = (await exec.start({ hijack: true, stdin: true, Tty: true })) as unknown as Duplex;
  const rows = Number(url.searchParams.get('rows'));
  const cols = Number(url.searchParams.get('cols'));
  if (rows > 0 && cols > 0) await exec.resize({ h: rows, w: cols }).catch(() => undefined);
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${EXEC_UPGRADE}\r\nConnection: Upgrade\r\nCalma-Exec-Id: ${exec.id}\r\n\r\n`);
  if (head.length > 0) stream.write(head);
  socket.pipe(stream);
  stream.pipe(socket);
  stream.on('end', () => socket.end());
  socket.on('close', () => stream.destroy());
}
