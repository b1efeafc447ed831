// nginx loads a new configuration at a lower CPU priority. With a thousand
// environments the master spends about a tenth of a second of CPU parsing
// them on each reload; on a small server that time was taken from the engine
// starting the deployment's container (or building its image) on the same
// cores, which is what the deployment waits for. Niced, the parse uses what
// the engine leaves idle. The workers the master forks meanwhile inherit its
// priority, so the master and every worker get the old one back at the end:
// serving traffic never runs below it. Only root may raise a priority again,
// so otherwise nothing is lowered.
import { getPriority, setPriority } from 'node:os';

/** The nice value added while a configuration loads. */
const LOADING_NICE = 10;

/** Lowers the master's priority; the returned function gives it and its (new) workers the old one back. */
export function loweredWhileLoading(master: number, workers: () => number[]): () => void {
  if (process.getuid?.() !== 0) return () => undefined;
  let before: number;
  try {
    before = getPriority(master);
    setPriority(master, Math.min(19, before + LOADING_NICE));
  } catch {
    return () => undefined; // gone or not ours: nothing was changed
  }
  return () => {
    for (const pid of [master, ...workers()]) {
      try {
        setPriority(pid, before);
      } catch {
        // exited meanwhile (an old worker done with its last request)
      }
    }
  };
}
