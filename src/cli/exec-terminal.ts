// The interactive side of `calma exec`: the terminal in raw mode, wired to
// the container's terminal through the daemon's `calma-exec` upgrade; the
// exit code is asked for once the stream ends.
import { api } from '../api/contract.js';
import { clientFromEnv } from './client.js';

export async function execInTerminal(app: string, env: string, command: string[], service?: string): Promise<number> {
  const client = clientFromEnv();
  const q = new URLSearchParams({
    env,
    cmd: JSON.stringify(command),
    rows: String(process.stdout.rows ?? 24),
    cols: String(process.stdout.columns ?? 80),
    term: process.env.TERM ?? 'xterm',
    ...(service ? { service } : {}),
  });
  const { socket, headers } = await client.upgrade(`/v1/apps/${encodeURIComponent(app)}/exec-tty?${q.toString()}`, 'calma-exec');
  const execId = String(headers['calma-exec-id'] ?? '');
  process.stdin.setRawMode(true);
  process.stdin.pipe(socket);
  socket.pipe(process.stdout);
  try {
    await new Promise<void>((resolve) => {
      socket.on('end', resolve);
      socket.on('close', resolve);
    });
  } finally {
    process.stdin.unpipe(socket);
    process.stdin.setRawMode(false);
    process.stdin.pause();
  }
  const status = await client.call(api.execStatus, { params: { id: execId } });
  return status.exitCode ?? 0;
}
