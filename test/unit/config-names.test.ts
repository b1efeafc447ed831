import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isAppName, isBranchName, isDnsLabel, isEnvName, isHostName, isImageReference, isImageRepository,
  isVolumeName, toDnsLabel,
} from '../../src/config/names.js';

test('app names: a lowercase letter first, at most 40, no trailing hyphen', () => {
  for (const s of ['shop', 'a', 'my-shop-2', 'a'.repeat(40)]) assert.ok(isAppName(s), s);
  for (const s of ['', 'My App', 'Shop', '2shop', 'shop-', '-shop', 'sh_op', 'a'.repeat(41)]) assert.ok(!isAppName(s), s);
});

test('DNS labels: RFC 1123, at most 63', () => {
  for (const s of ['db', 'staging', '0', 'a-b', 'a'.repeat(63)]) assert.ok(isDnsLabel(s), s);
  for (const s of ['', 'Db', '-db', 'db-', 'd_b', 'd.b', 'a'.repeat(64)]) assert.ok(!isDnsLabel(s), s);
});

test('host names: labels, any case, one leading wildcard when allowed', () => {
  for (const s of ['shop.example.com', 'localhost', 'Shop.Example.COM', '127.0.0.1', 'a-b.c']) assert.ok(isHostName(s), s);
  assert.ok(isHostName('*.example.com', { wildcard: true }));
  for (const s of ['*.example.com', 'bad_host!', '', 'a..b', '.a', 'a.', '-a.com', `${'a'.repeat(64)}.com`]) {
    assert.ok(!isHostName(s), s);
  }
  for (const s of ['*.*.example.com', 'a.*.com', '*example.com', '*.']) assert.ok(!isHostName(s, { wildcard: true }), s);
  assert.ok(!isHostName(Array(130).fill('a').join('.')), 'longer than 253');
});

test('env var names', () => {
  for (const s of ['LOG_LEVEL', '_X', 'a1', 'node_env']) assert.ok(isEnvName(s), s);
  for (const s of ['', '1X', 'A-B', 'A B', 'É']) assert.ok(!isEnvName(s), s);
});

test('docker volume names', () => {
  for (const s of ['uploads', 'db', 'a.b_c-d', '0data']) assert.ok(isVolumeName(s), s);
  for (const s of ['', '.x', '-x', 'a/b', 'a:b', 'a b']) assert.ok(!isVolumeName(s), s);
});

test('image repositories and references', () => {
  for (const s of ['shop', 'team/shop', 'a.b/c-d/e__f']) assert.ok(isImageRepository(s), s);
  for (const s of ['', 'Team/shop', 'shop:1', '/shop', 'shop/']) assert.ok(!isImageRepository(s), s);
  for (const s of ['mariadb:10.2', 'redis', 'ghcr.io/org/db:v1', 'localhost:5000/x', `x@sha256:${'a'.repeat(64)}`]) {
    assert.ok(isImageReference(s), s);
  }
  for (const s of ['', 'Mariadb', 'a b', 'x:', 'x@sha256:zz']) assert.ok(!isImageReference(s), s);
});

test('branch names follow git', () => {
  for (const s of ['main', 'feature/login', 'fix-1.2', 'v1@x']) assert.ok(isBranchName(s), s);
  for (const s of ['', 'a b', 'a..b', 'a~1', 'a^', 'a:b', 'a*', '-a', '/a', 'a/', 'a.lock', 'a/.b', 'a//b', 'a@{1}']) {
    assert.ok(!isBranchName(s), s);
  }
});

test('toDnsLabel turns any name into a safe DNS label', () => {
  assert.equal(toDnsLabel('feature/Login_Page'), 'feature-login-page');
  assert.equal(toDnsLabel('--Fix--#12--'), 'fix-12');
  assert.equal(toDnsLabel('café'), 'cafe');
  for (const s of ['', '///', '日本語', 'x'.repeat(100), `feature/${'y'.repeat(70)}`]) {
    const label = toDnsLabel(s);
    assert.ok(isDnsLabel(label), `${s} -> ${label}`);
  }
  assert.notEqual(toDnsLabel('x'.repeat(100)), toDnsLabel('x'.repeat(101)), 'cut names stay distinct');
  assert.equal(toDnsLabel('x'.repeat(100)), toDnsLabel('x'.repeat(100)), 'deterministic');
});
