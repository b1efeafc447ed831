// The short report after a build: what ships, layer by layer, which layers the
// cache gave, and the test stage beside it to show what multi-stage saved.
import type Docker from 'dockerode';
import { SOURCE_LABEL } from './image-config.js';
import { formatBytes } from './format.js';
import type { StepRecord } from './progress.js';

export interface LayerInfo {
  size: number;
  createdBy: string;
  /** built: made by this build; cached: this build's step, from cache; base: came with the FROM image. */
  origin: 'built' | 'cached' | 'base';
}

export interface ImageReport {
  imageId: string;
  size: number;
  layers: LayerInfo[];
  /** The build steps that produced it, as the engine reported them. */
  steps: Array<{ n: number; total: number; instruction: string; cached: boolean }>;
}

export interface BuildReport {
  app: string;
  version: string;
  tags: string[];
  ship: ImageReport;
  test: ImageReport | undefined;
  digest: string | undefined;
  durationMs: number;
}

export async function inspectImage(docker: Docker, imageId: string, steps: readonly StepRecord[]): Promise<ImageReport> {
  const info = await docker.getImage(imageId).inspect();
  // A labelled image was loaded without a parent: its build's steps are its source's (their images named in its history).
  // (A source removed by hand leaves the image's own history: its layers then all read as the base's.)
  const source = info.Config?.Labels?.[SOURCE_LABEL];
  const historyOf = (id: string) => docker.getImage(id).history() as Promise<Array<{ Id: string; CreatedBy: string; Size: number }>>;
  const history = await (source ? historyOf(source).catch(() => historyOf(imageId)) : historyOf(imageId));
  // A FROM step reports the base image's id: its layers came with the base, not from this build.
  const byId = new Map(steps.filter((s) => s.imageId && !/^FROM /i.test(s.instruction)).map((s) => [s.imageId!, s]));
  const layers = history
    .slice()
    .reverse()
    .map((h): LayerInfo => {
      const step = byId.get(h.Id.replace(/^sha256:/, '').slice(0, 12));
      return { size: h.Size, createdBy: cleanCreatedBy(h.CreatedBy), origin: step ? (step.cached ? 'cached' : 'built') : 'base' };
    });
  const stepSummary = steps.map((s) => ({ n: s.n, total: s.total, instruction: s.instruction, cached: s.cached }));
  return { imageId, size: info.Size, layers, steps: stepSummary };
}

function cleanCreatedBy(s: string): string {
  return s.replace(/^\/bin\/sh -c #\(nop\)\s*/, '').replace(/\b(file|dir):[0-9a-f]{64}/g, '$1').replace(/^\/bin\/sh -c /, 'RUN ').replace(/\s+/g, ' ').trim();
}

/** Plain text, one fact per line; pure so its shape is tested exactly. */
export function renderReport(r: BuildReport): string[] {
  const fromCache = r.ship.layers.filter((l) => l.origin === 'cached').length;
  const lines = [`${r.app}:${r.version}  ${formatBytes(r.ship.size)}  ${r.ship.layers.length} layers, ${fromCache} from cache`];
  // Metadata steps (LABEL, CMD, EXPOSE…) make empty layers: counted, not listed.
  const empty = r.ship.layers.filter((l) => l.size === 0).length;
  for (const l of r.ship.layers) {
    if (l.size > 0) lines.push(`  ${formatBytes(l.size).padStart(10)}  ${l.origin.padEnd(6)}  ${truncate(l.createdBy, 70)}`);
  }
  if (empty > 0) lines.push(`  and ${empty} empty metadata layer${empty === 1 ? '' : 's'}`);
  if (r.test) {
    const saved = r.test.size - r.ship.size;
    lines.push(`test stage ${formatBytes(r.test.size)}; the shipped image is ${saved > 0 ? `${formatBytes(saved)} smaller` : 'not smaller'}`);
  }
  lines.push(`tags: ${r.tags.map((t) => `${r.app}:${t}`).join(' ')}`);
  if (r.digest) lines.push(`pushed: ${r.digest}`);
  return lines;
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}
