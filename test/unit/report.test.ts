import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderReport, type BuildReport } from '../../src/build/report.js';

test('the build report names size, layers with their origin, the test stage and the tags', () => {
  const r: BuildReport = {
    app: 'shop',
    version: '3f2a1b4c5d6e',
    tags: ['3f2a1b4c5d6e', 'main', 'build-4'],
    ship: {
      imageId: 'sha256:aa',
      size: 2_200_000,
      steps: [],
      layers: [
        { size: 2_100_000, createdBy: 'COPY file:abc in /bin/busybox', origin: 'base' },
        { size: 0, createdBy: 'CMD ["sh"]', origin: 'base' },
        { size: 90_000, createdBy: 'COPY dir:def in /www', origin: 'cached' },
        { size: 10_000, createdBy: 'COPY file:123 in /serve.sh', origin: 'built' },
      ],
    },
    test: { imageId: 'sha256:bb', size: 5_000_000, steps: [], layers: [] },
    digest: 'sha256:cc',
    durationMs: 1200,
  };
  assert.deepEqual(renderReport(r), [
    'shop:3f2a1b4c5d6e  2.1 MiB  4 layers, 1 from cache',
    '     2.0 MiB  base    COPY file:abc in /bin/busybox',
    '      88 KiB  cached  COPY dir:def in /www',
    '     9.8 KiB  built   COPY file:123 in /serve.sh',
    '  and 1 empty metadata layer',
    'test stage 4.8 MiB; the shipped image is 2.7 MiB smaller',
    'tags: shop:3f2a1b4c5d6e shop:main shop:build-4',
    'pushed: sha256:cc',
  ]);
});
