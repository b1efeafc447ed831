import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newDeploymentId, webContainerName } from '../../src/runtime/names.js';

test('web container names are built only from validated parts', () => {
  assert.equal(webContainerName('shop', 'production', 'dabc1234', 2), 'calma-shop-production-dabc1234-2');
  assert.throws(() => webContainerName('Shop;rm', 'production', 'dabc1234', 1), /invalid app name/);
  assert.throws(() => webContainerName('shop', 'feature/x', 'dabc1234', 1), /invalid environment name/);
  assert.throws(() => webContainerName('shop', 'production', '../x', 1), /invalid deployment id/);
  assert.throws(() => webContainerName('shop', 'production', 'dabc1234', 0), /invalid replica number/);
});

test('deployment ids sort by time and are valid names', () => {
  const a = newDeploymentId(1_700_000_000_000, () => 0.5);
  const b = newDeploymentId(1_700_000_000_001, () => 0.1);
  assert.ok(a < b);
  assert.doesNotThrow(() => webContainerName('shop', 'production', a, 1));
});
