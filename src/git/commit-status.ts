// Reporting a build's or a deployment's outcome on its commit, where the team
// looks: the checks of a commit or pull request on GitHub, GitLab or Gitea.
// The request is built by a pure function; one fetch sends it.

import { UnavailableError, UserError, errorMessage } from '../errors.js';

export type CommitStatusProvider = 'github' | 'gitlab' | 'gitea';
export type CommitStatusState = 'pending' | 'success' | 'failure' | 'error';

export interface CommitStatusTarget {
  provider: CommitStatusProvider;
  /** The API's base URL: https://api.github.com, https://gitlab.com/api/v4, https://gitea.example/api/v1. */
  api: string;
  /** `owner/name`; on GitLab the project's full path (`group/subgroup/name`). */
  repo: string;
  token: string;
}

export interface CommitStatus {
  state: CommitStatusState;
  description: string;
  /** Names the check, e.g. `calma/test`: a later status with the same context replaces it. */
  context: string;
  url?: string | undefined;
}

export interface CommitStatusRequest {
  url: string;
  headers: Record<string, string>;
  body: Record<string, string>;
}

const SHA_PATTERN = /^[0-9a-fA-F]{40}$/;
const REPO_PATTERN = /^[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)+$/;
/** The hosts cut longer descriptions (GitHub refuses them). */
const MAX_DESCRIPTION = 140;
const TIMEOUT_MS = 10_000;

const gitlabStates: Readonly<Record<CommitStatusState, string>> = {
  pending: 'pending',
  success: 'success',
  failure: 'failed',
  error: 'failed',
};

/** The HTTP request that reports `status` on `sha`. Throws a UserError for a repo or sha that cannot be put in a URL. */
export function commitStatusRequest(target: CommitStatusTarget, sha: string, status: CommitStatus): CommitStatusRequest {
  const api = apiBase(target.api);
  checkRepo(target);
  if (!SHA_PATTERN.test(sha)) throw new UserError('commit status: the commit must be a 40-hex sha');
  const commit = sha.toLowerCase();
  // A token with a line break would be refused by fetch with the token in its message; refuse it here, without.
  if (!/^[\x21-\x7e]+$/.test(target.token)) throw new UserError(`commit status to ${api.host}: the token is empty or contains characters a header cannot carry`);
  const description = truncate(status.description, MAX_DESCRIPTION);
  const targetUrl: Record<string, string> = status.url === undefined ? {} : { target_url: status.url };
  const json = { 'Content-Type': 'application/json', 'User-Agent': 'calma' };
  switch (target.provider) {
    case 'github':
      return {
        url: `${api.base}/repos/${target.repo}/statuses/${commit}`,
        headers: { ...json, Accept: 'application/vnd.github+json', Authorization: `Bearer ${target.token}`, 'X-GitHub-Api-Version': '2022-11-28' },
        body: { state: status.state, description, context: status.context, ...targetUrl },
      };
    case 'gitlab':
      return {
        url: `${api.base}/projects/${encodeURIComponent(target.repo)}/statuses/${commit}`,
        headers: { ...json, 'PRIVATE-TOKEN': target.token },
        body: { state: gitlabStates[status.state], name: status.context, description, ...targetUrl },
      };
    case 'gitea':
      return {
        url: `${api.base}/repos/${target.repo}/statuses/${commit}`,
        headers: { ...json, Accept: 'application/json', Authorization: `token ${target.token}` },
        body: { state: status.state, context: status.context, description, ...targetUrl },
      };
  }
}

/** Sets a commit status on the host. Any failure is one line naming the host, never the token. */
export async function reportCommitStatus(
  target: CommitStatusTarget,
  sha: string,
  status: CommitStatus,
  fetchImpl: typeof fetch = fetch,
): Promise<void> {
  const request = commitStatusRequest(target, sha, status);
  const host = new URL(request.url).host;
  const fail = (why: string): UnavailableError =>
    new UnavailableError(redact(`commit status to ${host}: ${why.replace(/\s+/g, ' ').trim()}`, target.token));
  let res: Response;
  try {
    res = await fetchImpl(request.url, {
      method: 'POST',
      headers: request.headers,
      body: JSON.stringify(request.body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (e) {
    if (e instanceof Error && e.name === 'TimeoutError') throw fail(`no answer within ${TIMEOUT_MS / 1000}s`);
    const cause = (e as { cause?: { code?: unknown } }).cause?.code;
    throw fail(typeof cause === 'string' ? cause : errorMessage(e));
  }
  if (res.ok) {
    await res.body?.cancel(); // the answer (the status as stored) is not needed; free the connection
    return;
  }
  const text = await res.text().catch(() => '');
  throw fail(`HTTP ${res.status} ${shortBody(text)}`.trimEnd());
}

/** The API's base URL without a trailing slash (paths are appended to it as text), and its host. */
function apiBase(api: string): { base: string; host: string } {
  let url: URL;
  try {
    url = new URL(api);
  } catch {
    throw new UserError(`commit status: the API address ${JSON.stringify(api)} is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UserError(`commit status: the API address must be http(s), not ${url.protocol}`);
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new UserError('commit status: the API address must be a plain base URL (no credentials, query or fragment)');
  }
  return { base: url.href.replace(/\/+$/, ''), host: url.host };
}

function checkRepo(target: CommitStatusTarget): void {
  const segments = target.repo.split('/');
  // The pattern alone lets `..` through as a segment, which would climb out of /repos/ in the URL.
  const valid = REPO_PATTERN.test(target.repo) && segments.every((s) => !/^\.+$/.test(s));
  const shaped = target.provider === 'gitlab' || segments.length === 2;
  if (!valid || !shaped) {
    const form = target.provider === 'gitlab' ? 'a project path like group/name' : 'owner/name';
    throw new UserError(`commit status: the repository ${JSON.stringify(target.repo)} is not ${form}`);
  }
}

/** At most `max` characters, cut on a character boundary (not inside a surrogate pair). */
function truncate(s: string, max: number): string {
  const chars = Array.from(s);
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`;
}

/** The useful part of an error answer: the API's `message` when it sends JSON, else the text; one short line. */
function shortBody(text: string): string {
  let said = text;
  try {
    const json: unknown = JSON.parse(text);
    if (typeof json === 'object' && json !== null) {
      const { message, error } = json as { message?: unknown; error?: unknown };
      if (typeof message === 'string') said = message;
      else if (typeof error === 'string') said = error;
    }
  } catch {
    // not JSON: the text itself
  }
  const line = said.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

/** A host may echo the credentials it refused; they never reach a message. */
function redact(message: string, token: string): string {
  return token === '' ? message : message.split(token).join('***');
}
