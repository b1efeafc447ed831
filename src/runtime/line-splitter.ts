// A writable end for demultiplexed container output that calls onLine per
// line; the last, unterminated line is delivered by end().
import { PassThrough } from 'node:stream';

export function lineSplitter(onLine: (line: string) => void): PassThrough {
  const out = new PassThrough();
  let partial = '';
  out.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    lines.forEach(onLine);
  });
  out.on('end', () => {
    if (partial !== '') onLine(partial);
    partial = '';
  });
  out.resume();
  return out;
}
