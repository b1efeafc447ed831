import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebhookPayloadError, type HookEvent, type WebhookHeaders, type WebhookProvider } from '../../src/git/webhooks/event.js';
import { parseWebhook } from '../../src/git/webhooks/parse.js';
import { verifyWebhook } from '../../src/git/webhooks/verify.js';
import { fixturesDir } from '../support/app-dir.js';

interface Fixture {
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

function fixture(provider: WebhookProvider, name: string): Fixture {
  return JSON.parse(readFileSync(join(fixturesDir, 'webhooks', provider, `${name}.json`), 'utf8')) as Fixture;
}

/** Headers as node's HTTP server hands them over: names lower-cased. */
function asNodeGives(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

const SECRET = 'a-webhook-secret-for-tests';
const REPO = 'http://127.0.0.1:9/team/shop.git';
const MAIN = '59b20b8d5c6ff8d09518454d4dd8b7a30f095ab5';
const LOGIN = 'a7d4e01f9c3b2a8d7e6f5041322314051627384f';
const LOGIN_2 = 'b81c5f0e2d3a4b69788796a5b4c3d2e1f0a9b8c7';

/** The headers a host adds to authenticate `raw` with `secret`. */
function signed(provider: WebhookProvider, raw: Buffer, secret = SECRET): Record<string, string> {
  const hex = createHmac('sha256', secret).update(raw).digest('hex');
  switch (provider) {
    case 'github':
      return { 'X-Hub-Signature-256': `sha256=${hex}` };
    case 'gitea':
      return { 'X-Gitea-Signature': hex };
    case 'generic':
      return { 'X-Calma-Signature': `sha256=${hex}` };
    case 'gitlab':
      return { 'X-Gitlab-Token': secret };
  }
}

function payloadError(fn: () => unknown): WebhookPayloadError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof WebhookPayloadError, `expected a WebhookPayloadError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a WebhookPayloadError, nothing was thrown');
}

// ---- each host's documented payloads ----

const push = (branch: string, sha: string, created = false): HookEvent => ({ kind: 'push', branch, sha, repository: REPO, created });
const deleted = (branch: string): HookEvent => ({ kind: 'branch-deleted', branch, repository: REPO });
const tag = (name: string, sha: string): HookEvent => ({ kind: 'tag', tag: name, sha, repository: REPO });
const pr = (action: 'opened' | 'synchronized' | 'closed', number: number, sha: string, merged = false): HookEvent => ({
  kind: 'pull-request',
  action,
  number,
  branch: 'feature/login',
  sha,
  merged,
  repository: REPO,
});
const IGNORED = 'ignored';

const expectations: [WebhookProvider, string, HookEvent | typeof IGNORED][] = [
  ['github', 'push', push('main', MAIN)],
  ['github', 'push-branch-created', push('feature/login', LOGIN, true)],
  ['github', 'push-branch-deleted', deleted('feature/login')],
  ['github', 'push-tag', tag('v1.4.0', MAIN)],
  ['github', 'delete-branch', deleted('feature/login')],
  ['github', 'ping', IGNORED],
  ['github', 'pull-request-opened', pr('opened', 42, LOGIN)],
  ['github', 'pull-request-synchronize', pr('synchronized', 42, LOGIN_2)],
  ['github', 'pull-request-closed-merged', pr('closed', 42, LOGIN_2, true)],
  ['github', 'pull-request-labeled', IGNORED],
  ['gitlab', 'push', push('main', MAIN)],
  ['gitlab', 'push-branch-created', push('feature/login', LOGIN, true)],
  ['gitlab', 'push-branch-deleted', deleted('feature/login')],
  ['gitlab', 'tag-push', tag('v1.4.0', MAIN)],
  ['gitlab', 'merge-request-open', pr('opened', 12, LOGIN)],
  ['gitlab', 'merge-request-update', pr('synchronized', 12, LOGIN_2)],
  ['gitlab', 'merge-request-merge', pr('closed', 12, LOGIN_2, true)],
  ['gitlab', 'merge-request-approved', IGNORED],
  ['gitea', 'push', push('main', MAIN)],
  ['gitea', 'push-tag', tag('v1.4.0', MAIN)],
  ['gitea', 'create-branch', push('feature/login', LOGIN, true)],
  ['gitea', 'delete-branch', deleted('feature/login')],
  ['gitea', 'pull-request-opened', pr('opened', 5, LOGIN)],
  ['gitea', 'pull-request-synchronized', pr('synchronized', 5, LOGIN_2)],
  ['gitea', 'pull-request-closed-merged', pr('closed', 5, LOGIN_2, true)],
  ['generic', 'push', push('main', MAIN)],
  ['generic', 'delete', deleted('feature/login')],
];

for (const [provider, name, expected] of expectations) {
  test(`parseWebhook: ${provider}/${name}.json gives ${expected === IGNORED ? 'ignored' : expected.kind}`, () => {
    const { headers, body } = fixture(provider, name);
    const raw = Buffer.from(JSON.stringify(body));
    const sent = asNodeGives({ ...headers, ...signed(provider, raw) });
    assert.deepEqual(verifyWebhook(provider, sent, raw, SECRET), { ok: true });
    const event = parseWebhook(provider, sent, JSON.parse(raw.toString('utf8')));
    if (expected === IGNORED) {
      assert.equal(event.kind, 'ignored');
      assert.ok(event.kind === 'ignored' && event.reason.length > 0);
    } else {
      assert.deepEqual(event, expected);
    }
    // Header names as the host wrote them (mixed case) read the same.
    assert.deepEqual(parseWebhook(provider, headers, body), event);
  });
}

test('parseWebhook: ignored events say why', () => {
  const reasonOf = (provider: WebhookProvider, name: string): string => {
    const { headers, body } = fixture(provider, name);
    const event = parseWebhook(provider, headers, body);
    assert.equal(event.kind, 'ignored');
    return event.kind === 'ignored' ? event.reason : '';
  };
  assert.match(reasonOf('github', 'ping'), /ping/);
  assert.match(reasonOf('github', 'pull-request-labeled'), /pull request action "labeled" is not handled/);
  assert.match(reasonOf('gitlab', 'merge-request-approved'), /merge request action "approved" is not handled/);
  const { body } = fixture('github', 'push');
  for (const event of ['issues', 'workflow_run', 'create']) {
    assert.equal(parseWebhook('github', { 'X-GitHub-Event': event }, body).kind, 'ignored', event);
  }
  assert.equal(parseWebhook('gitlab', { 'X-Gitlab-Event': 'Pipeline Hook' }, {}).kind, 'ignored');
  assert.equal(parseWebhook('gitea', { 'X-Gitea-Event': 'issues' }, {}).kind, 'ignored');
  assert.equal(parseWebhook('generic', { 'X-Calma-Event': 'release' }, {}).kind, 'ignored');
});

test('parseWebhook: deleted tags, other refs and non-branch deletions are ignored', () => {
  const gh = fixture('github', 'push-tag');
  const tagDeleted = { ...gh.body, after: '0'.repeat(40), deleted: true, head_commit: null };
  assert.deepEqual(parseWebhook('github', gh.headers, tagDeleted), { kind: 'ignored', reason: 'tag "v1.4.0" was deleted' });
  const notes = { ...fixture('github', 'push').body, ref: 'refs/notes/commits' };
  assert.equal(parseWebhook('github', gh.headers, notes).kind, 'ignored');
  const gl = fixture('gitlab', 'tag-push');
  assert.equal(parseWebhook('gitlab', gl.headers, { ...gl.body, after: '0'.repeat(40), checkout_sha: null }).kind, 'ignored');
  const del = fixture('gitea', 'delete-branch');
  assert.equal(parseWebhook('gitea', del.headers, { ...del.body, ref: 'v1.4.0', ref_type: 'tag' }).kind, 'ignored');
  const ghDel = fixture('github', 'delete-branch');
  assert.equal(parseWebhook('github', ghDel.headers, { ...ghDel.body, ref_type: 'tag' }).kind, 'ignored');
});

test('parseWebhook: an action named like an object property is ignored, not misread', () => {
  for (const action of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    const { headers, body } = fixture('github', 'pull-request-opened');
    assert.equal(parseWebhook('github', headers, { ...body, action }).kind, 'ignored', action);
    const gl = fixture('gitlab', 'merge-request-open');
    const attributes = { ...(gl.body['object_attributes'] as object), action };
    assert.equal(parseWebhook('gitlab', gl.headers, { ...gl.body, object_attributes: attributes }).kind, 'ignored', action);
  }
});

test('parseWebhook: the branch is passed on as sent, without validation beyond being non-empty', () => {
  const { headers, body } = fixture('generic', 'push');
  const event = parseWebhook('generic', headers, { ...body, ref: 'refs/heads/Feature/ä b..c' });
  assert.equal(event.kind === 'push' && event.branch, 'Feature/ä b..c');
  assert.match(payloadError(() => parseWebhook('generic', headers, { ...body, ref: 'refs/heads/' })).message, /^body\.ref: /);
  const gh = fixture('github', 'pull-request-opened');
  const head = { ...((gh.body['pull_request'] as { head: object }).head), ref: '' };
  const pullRequest = { ...(gh.body['pull_request'] as object), head };
  assert.equal(
    payloadError(() => parseWebhook('github', gh.headers, { ...gh.body, pull_request: pullRequest })).message,
    'body.pull_request.head.ref: expected a non-empty string',
  );
});

test('parseWebhook: commit shas come out lower-case', () => {
  const { headers, body } = fixture('generic', 'push');
  const event = parseWebhook('generic', headers, { ...body, after: MAIN.toUpperCase() });
  assert.equal(event.kind === 'push' && event.sha, MAIN);
});

// ---- malformed payloads ----

test('parseWebhook: a missing or mistyped field is named by its path', () => {
  const gh = fixture('github', 'push');
  const repository = gh.body['repository'] as Record<string, unknown>;
  const without = { ...gh.body, repository: { ...repository, clone_url: undefined } };
  assert.equal(payloadError(() => parseWebhook('github', gh.headers, without)).message, 'body.repository.clone_url: expected a string');
  const mistyped = { ...gh.body, repository: { ...repository, clone_url: 42 } };
  assert.equal(payloadError(() => parseWebhook('github', gh.headers, mistyped)).message, 'body.repository.clone_url: expected a string');
  assert.equal(payloadError(() => parseWebhook('github', gh.headers, { ...gh.body, created: 'yes' })).message, 'body.created: expected a boolean');

  const pull = fixture('github', 'pull-request-opened');
  assert.equal(payloadError(() => parseWebhook('github', pull.headers, { ...pull.body, number: '42' })).message, 'body.number: expected a number');
  assert.equal(payloadError(() => parseWebhook('github', pull.headers, { ...pull.body, number: 4.2 })).message, 'body.number: expected an integer');

  const mr = fixture('gitlab', 'merge-request-open');
  const attributes = { ...(mr.body['object_attributes'] as object), last_commit: undefined };
  assert.equal(
    payloadError(() => parseWebhook('gitlab', mr.headers, { ...mr.body, object_attributes: attributes })).message,
    'body.object_attributes.last_commit: expected an object',
  );
  const gl = fixture('gitlab', 'push');
  assert.equal(
    payloadError(() => parseWebhook('gitlab', gl.headers, { ...gl.body, project: undefined, repository: undefined })).message,
    'body.project.git_http_url: expected a string',
  );
  const gitea = fixture('gitea', 'create-branch');
  assert.equal(payloadError(() => parseWebhook('gitea', gitea.headers, { ...gitea.body, sha: undefined })).message, 'body.sha: expected a string');
});

test('parseWebhook: every bad field is listed, in one line', () => {
  const { headers } = fixture('generic', 'push');
  const message = payloadError(() => parseWebhook('generic', headers, { ref: 1, after: 'main' })).message;
  assert.equal(message, 'body.ref: expected a string; body.after: expected a 40-hex commit sha; body.repository: expected a string');
});

test('parseWebhook: a commit sha must be 40 hex digits', () => {
  const gh = fixture('github', 'push');
  for (const after of ['59b20b8', `${MAIN}0`, 'g'.repeat(40), ` ${MAIN.slice(1)}`]) {
    assert.equal(payloadError(() => parseWebhook('github', gh.headers, { ...gh.body, after })).message, 'body.after: expected a 40-hex commit sha', after);
  }
  const pull = fixture('gitea', 'pull-request-opened');
  const head = { ...((pull.body['pull_request'] as { head: object }).head), sha: 'HEAD' };
  const pullRequest = { ...(pull.body['pull_request'] as object), head };
  assert.equal(
    payloadError(() => parseWebhook('gitea', pull.headers, { ...pull.body, pull_request: pullRequest })).message,
    'body.pull_request.head.sha: expected a 40-hex commit sha',
  );
  const mr = fixture('gitlab', 'merge-request-update');
  const attributes = { ...(mr.body['object_attributes'] as object), last_commit: { id: 'not-a-sha' } };
  assert.equal(
    payloadError(() => parseWebhook('gitlab', mr.headers, { ...mr.body, object_attributes: attributes })).message,
    'body.object_attributes.last_commit.id: expected a 40-hex commit sha',
  );
});

test('parseWebhook: a body that is not an object, or no event header, is malformed', () => {
  const { headers } = fixture('github', 'push');
  for (const body of [null, [], 'push', 7]) {
    assert.equal(payloadError(() => parseWebhook('github', headers, body)).message, 'body: expected an object', JSON.stringify(body));
  }
  assert.equal(payloadError(() => parseWebhook('github', {}, {})).message, 'missing event header X-GitHub-Event');
  assert.equal(payloadError(() => parseWebhook('gitlab', { 'x-gitlab-event': ' ' }, {})).message, 'missing event header X-Gitlab-Event');
  assert.equal(payloadError(() => parseWebhook('gitea', { 'x-gitea-event': ['push', 'delete'] }, {})).message, 'more than one X-Gitea-Event header');
});

test('parseWebhook: a body replayed under another event header is refused or ignored, never misread', () => {
  // The signature covers the body only, so a captured push still verifies under another event name.
  const gh = fixture('github', 'push');
  const raw = Buffer.from(JSON.stringify(gh.body));
  const asPullRequest = asNodeGives({ ...gh.headers, 'X-GitHub-Event': 'pull_request', ...signed('github', raw) });
  assert.deepEqual(verifyWebhook('github', asPullRequest, raw, SECRET), { ok: true });
  assert.equal(payloadError(() => parseWebhook('github', asPullRequest, gh.body)).message, 'body.action: expected a string');
  const asDelete = { ...gh.headers, 'X-GitHub-Event': 'delete' };
  assert.match(payloadError(() => parseWebhook('github', asDelete, gh.body)).message, /^body\.ref_type: expected a string/);

  const ghPull = fixture('github', 'pull-request-opened');
  assert.match(payloadError(() => parseWebhook('github', { 'X-GitHub-Event': 'push' }, ghPull.body)).message, /^body\.ref: expected a string/);

  const gl = fixture('gitlab', 'push');
  assert.equal(
    payloadError(() => parseWebhook('gitlab', { 'X-Gitlab-Event': 'Merge Request Hook' }, gl.body)).message,
    'body.object_kind: expected "merge_request"; body.object_attributes: expected an object',
  );
  assert.match(payloadError(() => parseWebhook('gitlab', { 'X-Gitlab-Event': 'Tag Push Hook' }, gl.body)).message, /^body\.object_kind: expected "tag_push"$/);
  const glMr = fixture('gitlab', 'merge-request-open');
  assert.match(payloadError(() => parseWebhook('gitlab', { 'X-Gitlab-Event': 'Push Hook' }, glMr.body)).message, /^body\.object_kind: expected "push"/);

  const gitea = fixture('gitea', 'push');
  assert.equal(payloadError(() => parseWebhook('gitea', { 'X-Gitea-Event': 'pull_request' }, gitea.body)).message, 'body.action: expected a string');
  assert.match(payloadError(() => parseWebhook('gitea', { 'X-Gitea-Event': 'create' }, gitea.body)).message, /^body\.ref_type: expected a string/);
  const giteaPull = fixture('gitea', 'pull-request-opened');
  assert.match(payloadError(() => parseWebhook('gitea', { 'X-Gitea-Event': 'push' }, giteaPull.body)).message, /^body\.ref: expected a string/);
});

// ---- signatures ----

const providers: WebhookProvider[] = ['github', 'gitlab', 'gitea', 'generic'];
const signatureHeaders: Record<WebhookProvider, string> = {
  github: 'X-Hub-Signature-256',
  gitlab: 'X-Gitlab-Token',
  gitea: 'X-Gitea-Signature',
  generic: 'X-Calma-Signature',
};
const firstFixture: Record<WebhookProvider, string> = { github: 'push', gitlab: 'push', gitea: 'push', generic: 'push' };

function rawOf(provider: WebhookProvider): { headers: Record<string, string>; raw: Buffer } {
  const { headers, body } = fixture(provider, firstFixture[provider]);
  return { headers, raw: Buffer.from(JSON.stringify(body, null, 2)) };
}

for (const provider of providers) {
  const header = signatureHeaders[provider];

  test(`verifyWebhook ${provider}: the right secret verifies, whatever the case of the header name`, () => {
    const { headers, raw } = rawOf(provider);
    const signature = signed(provider, raw);
    const value = signature[header] ?? '';
    for (const name of [header, header.toLowerCase(), header.toUpperCase()]) {
      assert.deepEqual(verifyWebhook(provider, { ...headers, [name]: value }, raw, SECRET), { ok: true }, name);
    }
    assert.deepEqual(verifyWebhook(provider, { [header.toLowerCase()]: [value] }, raw, SECRET), { ok: true });
  });

  test(`verifyWebhook ${provider}: a missing header is refused and named`, () => {
    const { headers, raw } = rawOf(provider);
    assert.deepEqual(verifyWebhook(provider, headers, raw, SECRET), { ok: false, reason: `missing signature header ${header}` });
    assert.deepEqual(verifyWebhook(provider, { [header]: undefined }, raw, SECRET), { ok: false, reason: `missing signature header ${header}` });
  });

  test(`verifyWebhook ${provider}: a wrong secret, a wrong length or an altered body is refused`, () => {
    const { raw } = rawOf(provider);
    const good = signed(provider, raw)[header] ?? '';
    const refused = (headers: WebhookHeaders, body = raw, secret = SECRET): void => {
      const result = verifyWebhook(provider, headers, body, secret);
      assert.equal(result.ok, false, JSON.stringify(headers));
      assert.ok(!result.ok && !result.reason.includes(SECRET), 'the reason never contains the secret');
    };
    refused(signed(provider, raw, 'another-secret'));
    refused({ [header]: good.slice(0, -1) });
    refused({ [header]: `${good}0` });
    refused({ [header]: '' });
    refused({ [header]: [good, good] });
    // One byte changed anywhere in the body breaks the signature (a token does not sign the body).
    if (provider !== 'gitlab') {
      for (const at of [0, Math.floor(raw.length / 2), raw.length - 1]) {
        const altered = Buffer.from(raw);
        altered[at] = (altered[at] ?? 0) ^ 1;
        refused({ [header]: good }, altered);
      }
      refused({ [header]: good }, Buffer.concat([raw, Buffer.from('\n')]));
    }
    refused({ [header]: good }, raw, '');
  });
}

test('verifyWebhook: HMAC headers must carry their exact format', () => {
  const { raw } = rawOf('github');
  const hex = createHmac('sha256', SECRET).update(raw).digest('hex');
  const reasonOf = (provider: WebhookProvider, value: string): string => {
    const result = verifyWebhook(provider, { [signatureHeaders[provider]]: value }, raw, SECRET);
    return result.ok ? 'ok' : result.reason;
  };
  assert.equal(reasonOf('github', `sha256=${hex}`), 'ok');
  assert.equal(reasonOf('github', `sha256=${hex.toUpperCase()}`), 'ok');
  assert.equal(reasonOf('github', hex), 'malformed signature in X-Hub-Signature-256: expected sha256=<64 hex digits>');
  assert.equal(reasonOf('github', `sha1=${hex.slice(0, 40)}`), 'malformed signature in X-Hub-Signature-256: expected sha256=<64 hex digits>');
  // Buffer.from(…, 'hex') would quietly decode the valid prefix of these.
  assert.equal(reasonOf('generic', `sha256=${hex.slice(0, 62)}zz`), 'malformed signature in X-Calma-Signature: expected sha256=<64 hex digits>');
  assert.equal(reasonOf('gitea', `sha256=${hex}`), 'malformed signature in X-Gitea-Signature: expected <64 hex digits>');
  assert.equal(reasonOf('gitea', hex), 'ok');
  const otherBody = createHmac('sha256', SECRET).update('{}').digest('hex');
  assert.equal(reasonOf('gitea', otherBody), 'the signature in X-Gitea-Signature does not match the body');
});

test('verifyWebhook gitlab: the token must equal the secret exactly, whatever its length', () => {
  const raw = Buffer.from('{}');
  const check = (token: string): boolean => verifyWebhook('gitlab', { 'x-gitlab-token': token }, raw, SECRET).ok;
  assert.equal(check(SECRET), true);
  for (const token of [SECRET.slice(0, -1), `${SECRET}x`, SECRET.toUpperCase(), ` ${SECRET}`, 'x'.repeat(1000), '']) {
    assert.equal(check(token), false, token);
  }
  assert.deepEqual(verifyWebhook('gitlab', { 'X-Gitlab-Token': 'nope' }, raw, SECRET), { ok: false, reason: 'the token in X-Gitlab-Token is wrong' });
});
