import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectContext, hashContext } from '../../src/build/context.js';

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'calma-ctx-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

test('.dockerignore rules, exceptions included; the Dockerfile is always sent', () => {
  const files: Record<string, string> = {
    Dockerfile: 'FROM scratch\n',
    '.dockerignore': 'Dockerfile\nsecret.txt\nlogs\nnode_modules\n!node_modules/keep.txt\n*.tmp\n',
    'secret.txt': 's',
    'logs/a.log': 'l',
    'node_modules/x/index.js': 'x',
    'node_modules/keep.txt': 'k',
    'src/app.js': 'app',
    'src/deep/a.tmp': 'kept: *.tmp matches only at the top',
    'b.tmp': 'ignored',
  };
  const dir = tree(files);
  try {
    const ctx = collectContext(dir, 'Dockerfile', 1 << 20);
    assert.deepEqual(ctx.files, ['.dockerignore', 'Dockerfile', 'node_modules/keep.txt', 'src/app.js', 'src/deep/a.tmp']);
    assert.equal(ctx.bytes, ctx.files.reduce((n, f) => n + Buffer.byteLength(files[f]!), 0));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an empty context and an oversized one are refused', () => {
  const empty = tree({ Dockerfile: 'FROM scratch\n', '.dockerignore': '*\n', 'a.txt': 'a' });
  const big = tree({ Dockerfile: 'FROM scratch\n', 'big.bin': 'x'.repeat(5000) });
  try {
    assert.throws(() => collectContext(empty, 'Dockerfile', 1 << 20), /is empty: nothing but the Dockerfile would be sent/);
    assert.throws(() => collectContext(big, 'Dockerfile', 4096), /is over the limit of 4\.0 KiB \(build\.max_context\)/);
  } finally {
    rmSync(empty, { recursive: true, force: true });
    rmSync(big, { recursive: true, force: true });
  }
});

test('the content hash follows content and names, not timestamps', async () => {
  const a = tree({ Dockerfile: 'FROM scratch\n', 'a.txt': 'one' });
  const b = tree({ Dockerfile: 'FROM scratch\n', 'a.txt': 'one' });
  try {
    const ha = await hashContext(collectContext(a, 'Dockerfile', 1 << 20));
    assert.equal(ha, await hashContext(collectContext(b, 'Dockerfile', 1 << 20)));
    writeFileSync(join(b, 'a.txt'), 'two');
    assert.notEqual(ha, await hashContext(collectContext(b, 'Dockerfile', 1 << 20)));
    assert.match(ha, /^[0-9a-f]{64}$/);
  } finally {
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
});
