import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type acme from 'acme-client';
import { acmeClient } from '../../src/certs/account.js';
import { issueCertificate } from '../../src/certs/issue.js';
import { UserError } from '../../src/errors.js';

// Refusals happen before any ACME exchange: this client is never used.
const unused = {} as acme.Client;

test('issueCertificate refuses wildcards (DNS-01 only), malformed names and an empty list, touching nothing', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'calma-issue-')), 'acme-challenge');
  try {
    const issue = (domains: string[]) => issueCertificate(unused, { domains, challengeDir: dir });
    await assert.rejects(issue(['shop.test', '*.shop.test']), (e: Error) => e instanceof UserError && /^\*\.shop\.test: .*DNS-01.*does not support/.test(e.message));
    await assert.rejects(issue(['shop..test']), /invalid domain "shop\.\.test"/);
    await assert.rejects(issue([]), /at least one domain/);
    assert.equal(existsSync(dir), false);
  } finally {
    rmSync(join(dir, '..'), { recursive: true, force: true });
  }
});

test('acmeClient refuses a directory URL that is not http(s) before any request', async () => {
  await assert.rejects(acmeClient('/nonexistent', { directoryUrl: 'ftp://ca.test/dir' }), (e: Error) => e instanceof UserError && /expected https/.test(e.message));
  await assert.rejects(acmeClient('/nonexistent', { directoryUrl: 'not a url' }), /invalid ACME directory URL "not a url"/);
});
