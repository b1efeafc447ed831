import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { commitStatusRequest, reportCommitStatus, type CommitStatusTarget } from '../../src/git/commit-status.js';
import { UnavailableError, UserError } from '../../src/errors.js';

interface Recorded {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

interface Answer {
  status: number;
  body: string;
}

/** An API host on a free loopback port that records every request and gives `answer`. */
async function withHost(answer: Answer, fn: (base: string, requests: Recorded[]) => Promise<void>): Promise<void> {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: text === '' ? undefined : JSON.parse(text) });
      res.writeHead(answer.status, { 'Content-Type': 'application/json' }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    await fn(`http://127.0.0.1:${port}`, requests);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const CREATED: Answer = { status: 201, body: '{"id":1,"state":"success"}' };
const SHA = '59b20b8d5c6ff8d09518454d4dd8b7a30f095ab5';
const TOKEN = 'tok_Zx81aQ-secret-value';
const status = { state: 'success', description: 'Tests passed in 41s', context: 'calma/test', url: 'http://127.0.0.1:9/builds/17' } as const;

test('reportCommitStatus github: POST /repos/{owner}/{repo}/statuses/{sha} with a bearer token', async () => {
  await withHost(CREATED, async (base, requests) => {
    await reportCommitStatus({ provider: 'github', api: `${base}/api/v3/`, repo: 'team/shop', token: TOKEN }, SHA, status);
    assert.equal(requests.length, 1);
    const [req] = requests;
    assert.equal(req?.method, 'POST');
    assert.equal(req?.path, `/api/v3/repos/team/shop/statuses/${SHA}`);
    assert.equal(req?.headers.authorization, `Bearer ${TOKEN}`);
    assert.equal(req?.headers.accept, 'application/vnd.github+json');
    assert.equal(req?.headers['content-type'], 'application/json');
    assert.deepEqual(req?.body, { state: 'success', description: 'Tests passed in 41s', context: 'calma/test', target_url: 'http://127.0.0.1:9/builds/17' });
  });
});

test('reportCommitStatus gitlab: the project path is one encoded segment, states are GitLab\'s, context is `name`', async () => {
  await withHost(CREATED, async (base, requests) => {
    const target: CommitStatusTarget = { provider: 'gitlab', api: `${base}/api/v4`, repo: 'team/backend/shop', token: TOKEN };
    await reportCommitStatus(target, SHA, { ...status, state: 'failure' });
    await reportCommitStatus(target, SHA, { state: 'error', description: 'The build could not start', context: 'calma/build' });
    await reportCommitStatus(target, SHA, { state: 'pending', description: 'Testing', context: 'calma/test' });
    assert.deepEqual(
      requests.map((r) => [r.method, r.path]),
      Array(3).fill(['POST', `/api/v4/projects/team%2Fbackend%2Fshop/statuses/${SHA}`]),
    );
    assert.equal(requests[0]?.headers['private-token'], TOKEN);
    assert.equal(requests[0]?.headers.authorization, undefined);
    assert.deepEqual(requests[0]?.body, { state: 'failed', name: 'calma/test', description: 'Tests passed in 41s', target_url: 'http://127.0.0.1:9/builds/17' });
    assert.deepEqual(requests[1]?.body, { state: 'failed', name: 'calma/build', description: 'The build could not start' });
    assert.deepEqual(requests[2]?.body, { state: 'pending', name: 'calma/test', description: 'Testing' });
  });
});

test('reportCommitStatus gitea: POST /repos/{owner}/{repo}/statuses/{sha} with `token` authorization', async () => {
  await withHost(CREATED, async (base, requests) => {
    await reportCommitStatus({ provider: 'gitea', api: `${base}/api/v1`, repo: 'team/shop', token: TOKEN }, SHA, { ...status, state: 'failure' });
    const [req] = requests;
    assert.equal(req?.path, `/api/v1/repos/team/shop/statuses/${SHA}`);
    assert.equal(req?.headers.authorization, `token ${TOKEN}`);
    assert.deepEqual(req?.body, { state: 'failure', context: 'calma/test', description: 'Tests passed in 41s', target_url: 'http://127.0.0.1:9/builds/17' });
  });
});

test('reportCommitStatus: a description longer than 140 characters is cut to 140', async () => {
  await withHost(CREATED, async (base, requests) => {
    const long = `${'é'.repeat(100)}${'😀'.repeat(60)}`;
    await reportCommitStatus({ provider: 'github', api: base, repo: 'team/shop', token: TOKEN }, SHA, { ...status, description: long });
    const sent = (requests[0]?.body as { description: string }).description;
    assert.equal(Array.from(sent).length, 140);
    assert.equal(sent, `${'é'.repeat(100)}${'😀'.repeat(39)}…`);
    const exact = 'x'.repeat(140);
    await reportCommitStatus({ provider: 'github', api: base, repo: 'team/shop', token: TOKEN }, SHA, { ...status, description: exact });
    assert.equal((requests[1]?.body as { description: string }).description, exact);
  });
});

test('reportCommitStatus: a refusal is one line with the host, the HTTP status and the API\'s message, never the token', async () => {
  const refusal = { status: 401, body: '{"message":"Bad credentials","documentation_url":"https://docs.github.test/rest"}' };
  await withHost(refusal, async (base) => {
    const host = new URL(base).host;
    await assert.rejects(
      reportCommitStatus({ provider: 'github', api: base, repo: 'team/shop', token: TOKEN }, SHA, status),
      (e: unknown) => {
        assert.ok(e instanceof UnavailableError);
        assert.equal(e.message, `commit status to ${host}: HTTP 401 Bad credentials`);
        return true;
      },
    );
  });
  // A host that echoes the token back, over several lines.
  const echo = { status: 401, body: `invalid token\n  ${TOKEN}\n  (expired)` };
  await withHost(echo, async (base) => {
    const host = new URL(base).host;
    await assert.rejects(reportCommitStatus({ provider: 'gitea', api: base, repo: 'team/shop', token: TOKEN }, SHA, status), (e: unknown) => {
      assert.ok(e instanceof Error);
      assert.equal(e.message, `commit status to ${host}: HTTP 401 invalid token *** (expired)`);
      assert.ok(!e.message.includes(TOKEN) && !e.message.includes('\n'));
      return true;
    });
  });
});

test('reportCommitStatus: a long error body is shortened', async () => {
  await withHost({ status: 500, body: `<html>${'x'.repeat(5000)}</html>` }, async (base) => {
    await assert.rejects(reportCommitStatus({ provider: 'gitlab', api: base, repo: 'team/shop', token: TOKEN }, SHA, status), (e: unknown) => {
      assert.ok(e instanceof Error);
      assert.match(e.message, /^commit status to 127\.0\.0\.1:\d+: HTTP 500 <html>x+…$/);
      assert.ok(e.message.length < 260);
      return true;
    });
  });
});

test('reportCommitStatus: an unreachable host is one line naming it', async () => {
  let base = '';
  await withHost(CREATED, async (b) => {
    base = b;
  }); // closed again: nothing listens there now
  await assert.rejects(reportCommitStatus({ provider: 'github', api: base, repo: 'team/shop', token: TOKEN }, SHA, status), (e: unknown) => {
    assert.ok(e instanceof UnavailableError);
    assert.equal(e.message, `commit status to ${new URL(base).host}: ECONNREFUSED`);
    return true;
  });
});

test('reportCommitStatus: the request is sent with a timeout', async () => {
  let signal: AbortSignal | undefined;
  const fakeFetch = (async (_url: string | URL | Request, init?: RequestInit) => {
    signal = init?.signal ?? undefined;
    return new Response(null, { status: 201 });
  }) as typeof fetch;
  await reportCommitStatus({ provider: 'github', api: 'https://api.github.test', repo: 'team/shop', token: TOKEN }, SHA, status, fakeFetch);
  assert.ok(signal instanceof AbortSignal);
  assert.equal(signal.aborted, false);
});

test('reportCommitStatus: a repository or sha that could change the URL is refused before any request', async () => {
  let calls = 0;
  const spy = (async () => {
    calls += 1;
    return new Response(null, { status: 201 });
  }) as typeof fetch;
  const refused = async (target: CommitStatusTarget, sha: string): Promise<void> => {
    await assert.rejects(reportCommitStatus(target, sha, status, spy), (e: unknown) => {
      assert.ok(e instanceof UserError, String(e));
      assert.ok(!e.message.includes(TOKEN));
      return true;
    }, `${target.provider} ${target.repo} ${sha}`);
  };
  const api = 'https://api.github.test';
  for (const repo of ['shop', '../admin', 'team/..', '../../user', 'team/shop/../../admin', 'team/shop?x=1', 'team/shop#x', 'team//shop', '/team/shop', 'team/shop/', 'team/sh op', 'team/shop/extra']) {
    await refused({ provider: 'github', api, repo, token: TOKEN }, SHA);
  }
  for (const repo of ['shop', 'group/..', 'group/./shop', 'group/sub%2F/shop']) {
    await refused({ provider: 'gitlab', api, repo, token: TOKEN }, SHA);
  }
  for (const sha of ['HEAD', SHA.slice(0, 7), `${SHA}/../x`, `${SHA.slice(1)}/`, '']) {
    await refused({ provider: 'gitea', api, repo: 'team/shop', token: TOKEN }, sha);
  }
  await refused({ provider: 'github', api, repo: 'team/shop', token: `${TOKEN}\r\nX-Injected: 1` }, SHA);
  await refused({ provider: 'github', api, repo: 'team/shop', token: '' }, SHA);
  await refused({ provider: 'github', api: 'file:///etc/passwd', repo: 'team/shop', token: TOKEN }, SHA);
  await refused({ provider: 'github', api: 'not a url', repo: 'team/shop', token: TOKEN }, SHA);
  await refused({ provider: 'github', api: 'https://user:pw@api.github.test', repo: 'team/shop', token: TOKEN }, SHA);
  assert.equal(calls, 0);
});

test('commitStatusRequest: nested GitLab groups are allowed, the sha goes in lower-case', () => {
  const request = commitStatusRequest({ provider: 'gitlab', api: 'https://gitlab.test/api/v4/', repo: 'a.b/c_d/e-f', token: TOKEN }, SHA.toUpperCase(), status);
  assert.equal(request.url, `https://gitlab.test/api/v4/projects/a.b%2Fc_d%2Fe-f/statuses/${SHA}`);
  assert.equal(
    commitStatusRequest({ provider: 'gitea', api: 'https://gitea.test/api/v1', repo: 'Team.X/shop_2', token: TOKEN }, SHA, status).url,
    `https://gitea.test/api/v1/repos/Team.X/shop_2/statuses/${SHA}`,
  );
});
