// The hooks of the daemon's repositories (see repos.ts). git runs them inside
// `git http-backend`, which the daemon started with CALMA_SOCKET and CALMA_APP
// set. What they print reaches the pusher's terminal as "remote: …" lines.
//
// Every push waits for both hooks, each a fresh node process: they load only
// what they use. The post-receive side speaks to the daemon with node's own
// HTTP client rather than the CLI's (whose schemas take longer to load than
// node takes to start); it only prints what the daemon sends.
import http, { type IncomingMessage } from 'node:http';
import { GIT_RECEIVED_PATH } from '../api/hook-paths.js';
import { lines, parseJson } from '../api/ndjson.js';
import { checkBranch } from '../config/names.js';
import { errorMessage } from '../errors.js';
import type { DeployEvent } from '../pipeline/events.js';

interface RefUpdate {
  old: string;
  new: string;
  ref: string;
}

export function parseUpdates(text: string): RefUpdate[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [old = '', next = '', ...ref] = l.split(' ');
      return { old, new: next, ref: ref.join(' ') };
    });
}

/** pre-receive: one line per refused ref; any refusal refuses the whole push. */
export function refusals(updates: readonly RefUpdate[]): string[] {
  const out: string[] = [];
  for (const u of updates) {
    if (!u.ref.startsWith('refs/heads/')) continue;
    try {
      checkBranch(u.ref.slice('refs/heads/'.length));
    } catch (e) {
      out.push(errorMessage(e));
    }
  }
  return out;
}

/** What the pusher reads for one of the daemon's stream lines (undefined: nothing). */
export function hookLine(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const wire = (value as { error?: { message?: unknown } }).error;
  if (!('type' in value)) return typeof wire?.message === 'string' ? `calma: ${wire.message}` : undefined;
  const e = value as DeployEvent;
  switch (e.type) {
    case 'phase':
      return `==> ${e.name}: ${e.detail}`;
    case 'log':
      return e.line;
    case 'pipeline':
      return `pipeline ${e.id} (${e.env}): ${e.status}${e.detail ? ` — ${e.detail}` : ''}`;
    case 'result':
      return `deployed ${e.image} (${e.deploymentId})${e.urls.length > 0 ? `: ${e.urls.join(' ')}` : ''}`;
    default:
      return undefined;
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Hands the pushed refs to the daemon and prints its stream's lines until the end. */
async function notifyDaemon(socketPath: string, app: string, updates: readonly RefUpdate[]): Promise<void> {
  const path = GIT_RECEIVED_PATH.replace(':app', encodeURIComponent(app));
  const headers = { 'content-type': 'application/json', accept: 'application/x-ndjson' };
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = http.request({ socketPath, path, method: 'POST', agent: false, headers }, resolve);
    req.on('error', (e) => reject(new Error(`cannot reach the calma daemon at ${socketPath}: ${e.message}`)));
    req.end(JSON.stringify({ updates }));
  });
  const cut = (): Error => new Error('the calma daemon closed the stream before its end (did it stop?)');
  // An error answer is one wire error, not a stream: printed, and that is its end.
  let ended = (res.statusCode ?? 500) >= 400;
  for await (const line of lines(res, cut)) {
    const value = parseJson(line);
    if ((value as { type?: unknown } | undefined)?.type === 'end') ended = true;
    const text = hookLine(value);
    if (text !== undefined) process.stdout.write(`${text}\n`);
  }
  if (!ended) throw cut();
}

export async function runHook(kind: 'pre-receive' | 'post-receive'): Promise<void> {
  const updates = parseUpdates(await readStdin());
  if (kind === 'pre-receive') {
    const refused = refusals(updates);
    for (const line of refused) process.stdout.write(`calma: ${line}\n`);
    process.exitCode = refused.length > 0 ? 1 : 0;
    return;
  }
  const socketPath = process.env.CALMA_SOCKET;
  const app = process.env.CALMA_APP;
  if (!socketPath || !app) {
    process.stdout.write('calma: this repository was pushed to outside the daemon: nothing deployed\n');
    return;
  }
  try {
    await notifyDaemon(socketPath, app, updates);
  } catch (e) {
    // The push itself has landed; only the deployment's outcome is reported.
    process.stdout.write(`calma: ${errorMessage(e)}\n`);
  }
}
