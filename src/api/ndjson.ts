// A stream endpoint's answer: one JSON value per line. Kept apart from the
// API's schemas so that the git hooks, which run on every push, can read the
// daemon's stream without loading them.
import type { IncomingMessage } from 'node:http';

/** The response's lines as they arrive; a connection cut mid-stream rejects with `cut()`. */
export async function* lines(res: IncomingMessage, cut: () => Error): AsyncGenerator<string> {
  res.setEncoding('utf8');
  let buffered = '';
  try {
    for await (const chunk of res) {
      buffered += chunk as string;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line !== '') yield line;
      }
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ECONNRESET') throw cut();
    throw e;
  }
  if (buffered.trim() !== '') yield buffered.trim();
}

/** The value, or undefined when the text is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
