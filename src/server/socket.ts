// The daemon's unix socket: at most one daemon per $CALMA_HOME. A socket file
// left by a crashed daemon is removed; one that still answers belongs to a
// live daemon, and we refuse to start rather than steal its clients.
import { chmodSync, lstatSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { UserError } from '../errors.js';

export type SocketState = 'absent' | 'stale' | 'alive';

// sun_path is 108 bytes on Linux (104 on macOS), terminating NUL included.
const maxSocketPath = 103;

export function alreadyRunning(socketPath: string): UserError {
  return new UserError(`another calma daemon is already running on ${socketPath}`);
}

/** Whether something answers on the socket path (within a short timeout). */
export async function probeSocket(socketPath: string, timeoutMs = 1000): Promise<SocketState> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(socketPath).isSocket();
  } catch {
    return 'absent';
  }
  if (!isSocket) throw new UserError(`${socketPath} exists and is not a socket: move it away before starting the daemon`);
  return new Promise((resolve) => {
    const s = connect(socketPath);
    const done = (state: SocketState): void => {
      s.destroy();
      resolve(state);
    };
    s.setTimeout(timeoutMs, () => done('alive')); // accepted but slow: still someone's socket
    s.once('connect', () => done('alive'));
    s.once('error', () => done('stale'));
  });
}

/** Makes the socket path free for us, or explains why it is not. */
export async function claimSocketPath(socketPath: string): Promise<void> {
  if (Buffer.byteLength(socketPath) > maxSocketPath) {
    throw new UserError(`the socket path ${socketPath} is too long for a unix socket (at most ${maxSocketPath} bytes): use a shorter CALMA_HOME`);
  }
  const state = await probeSocket(socketPath);
  if (state === 'alive') throw alreadyRunning(socketPath);
  if (state === 'stale') rmSync(socketPath, { force: true });
}

/**
 * Runs `listen` (which creates the socket file) under a umask that makes the
 * file 0600 from its first instant, then chmods it anyway: the socket grants
 * full control, so no other user may connect even for a moment.
 */
export async function listenPrivately<T>(socketPath: string, listen: () => Promise<T>): Promise<T> {
  const previous = process.umask(0o177);
  try {
    return await listen();
  } finally {
    process.umask(previous);
    try {
      chmodSync(socketPath, 0o600);
    } catch {
      // listen failed and there is no file: its error is the one to report
    }
  }
}
