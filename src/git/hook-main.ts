// The hooks of the daemon's repositories (see repos.ts). git runs them inside
// `git http-backend`, which the daemon started with CALMA_SOCKET and CALMA_APP
// set. What they print reaches the pusher's terminal as "remote: …" lines.
import { api } from '../api/contract.js';
import { createClient } from '../cli/client.js';
import { errorMessage } from '../errors.js';
import { checkBranch } from '../pipeline/targets.js';

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

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
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
    await createClient({ socketPath }).stream(api.gitReceived, { params: { app }, body: { updates } }, (e) => {
      if (e.type === 'phase') process.stdout.write(`==> ${e.name}: ${e.detail}\n`);
      else if (e.type === 'log') process.stdout.write(`${e.line}\n`);
      else if (e.type === 'pipeline') process.stdout.write(`pipeline ${e.id} (${e.env}): ${e.status}${e.detail ? ` — ${e.detail}` : ''}\n`);
      else if (e.type === 'result') process.stdout.write(`deployed ${e.image} (${e.deploymentId})${e.urls.length > 0 ? `: ${e.urls.join(' ')}` : ''}\n`);
    });
  } catch (e) {
    // The push itself has landed; only the deployment's outcome is reported.
    process.stdout.write(`calma: ${errorMessage(e)}\n`);
  }
}
