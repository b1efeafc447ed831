// calma's image labels as one LABEL instruction. The engine's classic builder
// turns the API's `labels` option into one committed step per label (about
// 0.1 s each); written into the Dockerfile as a single LABEL line they cost one
// step, as a single `docker build --label` does by hand.
//
// The rewritten Dockerfile travels in the build context under its own name and
// the context's .dockerignore lists it: the engine reads the Dockerfile first
// and then drops every ignored Dockerfile and .dockerignore from the context,
// so `COPY . .` never sees calma's copy.
import { DockerfileParser } from 'dockerfile-ast';

/** Where the rewritten Dockerfile sits at the root of the build context. */
export const LABELLED_DOCKERFILE = '.calma-build.Dockerfile';

export interface LabelStep {
  /** The `dockerfile` to name to the engine. */
  dockerfile: string;
  /** Files that replace or join the context's files in the tar sent to the engine. */
  files: Record<string, string>;
}

/**
 * The Dockerfile with one LABEL line closing stage `stageIndex` (so a build
 * with `--target` carries it), and the .dockerignore that hides it.
 * `dockerignore` is the context's own file, undefined when it has none: then
 * the generated one ignores itself too, and the image sees neither.
 */
export function labelStep(dockerfile: string, stageIndex: number, labels: Record<string, string>, dockerignore: string | undefined): LabelStep {
  const parsed = DockerfileParser.parse(dockerfile);
  const escape = parsed.getEscapeCharacter();
  const line = `LABEL ${Object.entries(labels)
    .map(([k, v]) => `${k}=${quoteWord(v, escape)}`)
    .join(' ')}`;
  const lines = dockerfile.split('\n');
  const next = parsed.getFROMs()[stageIndex + 1]?.getRange().start.line;
  if (next === undefined) {
    if (lines[lines.length - 1] === '') lines.pop();
    lines.push('', line, '');
  }
  else lines.splice(next, 0, line);
  const ignore =
    dockerignore === undefined ? `${LABELLED_DOCKERFILE}\n.dockerignore\n` : `${dockerignore}${dockerignore.endsWith('\n') || dockerignore === '' ? '' : '\n'}${LABELLED_DOCKERFILE}\n`;
  return { dockerfile: LABELLED_DOCKERFILE, files: { [LABELLED_DOCKERFILE]: lines.join('\n'), '.dockerignore': ignore } };
}

/**
 * A double-quoted Dockerfile word that reads back as exactly `value`: the
 * quote, `$` (variable expansion) and the escape character are escaped; line
 * breaks and other control characters, which no label needs and which would
 * end the instruction, become spaces.
 */
export function quoteWord(value: string, escape = '\\'): string {
  let out = '';
  for (const ch of value.replace(/[\u0000-\u001f\u007f]/g, ' ')) out += ch === '"' || ch === '$' || ch === escape ? `${escape}${ch}` : ch;
  return `"${out}"`;
}

/** An engine message about the rewritten file, told in terms of the user's Dockerfile. */
export function userDockerfileText(text: string, dockerfile: string): string {
  return text.split(LABELLED_DOCKERFILE).join(dockerfile);
}
