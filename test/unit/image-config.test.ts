// The labelled image's config rebuilt from the engine's inspect and history:
// which steps made a layer is told from the step images' layer counts, below
// them from the sizes only when those are unambiguous.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { historyOf, labelledConfig, type HistoryLine, type SourceImage } from '../../src/build/image-config.js';

const line = (Id: string, CreatedBy: string, Size: number): HistoryLine => ({ Id, Created: 1_700_000_000, CreatedBy, Comment: '', Size });

// Newest first, as the engine lists them. The base image (pulled: its steps' images unknown) has 2 layers.
const history = [
  line('sha256:top', '/bin/sh -c #(nop)  CMD ["app"]', 0),
  line('sha256:wd', '/bin/sh -c #(nop) WORKDIR /app', 0),
  line('sha256:run', '/bin/sh -c true', 0),
  line('sha256:copy', '/bin/sh -c #(nop) COPY file:abc in /app', 120),
  line('sha256:base', '/bin/sh -c #(nop)  CMD ["sh"]', 0),
  line('<missing>', '/bin/sh -c apk add x', 5000),
  line('<missing>', '/bin/sh -c #(nop) ADD file:def in /', 7000),
];
// WORKDIR made a layer of one directory (size 0); `RUN true` made none.
const layers = new Map([
  ['sha256:top', 4],
  ['sha256:wd', 4],
  ['sha256:run', 3],
  ['sha256:copy', 3],
  ['sha256:base', 2],
]);

test('steps of a local build are told by their images: a directory-only layer (size 0) made one, an empty RUN none', () => {
  const steps = historyOf(history, layers)!;
  assert.deepEqual(
    steps.map((s) => `${s.empty_layer ? 'empty' : 'layer'} ${String(s.created_by)}`),
    [
      'layer /bin/sh -c #(nop) ADD file:def in /',
      'layer /bin/sh -c apk add x',
      'empty /bin/sh -c #(nop)  CMD ["sh"]',
      'layer /bin/sh -c #(nop) COPY file:abc in /app',
      'empty /bin/sh -c true',
      'layer /bin/sh -c #(nop) WORKDIR /app',
      'empty /bin/sh -c #(nop)  CMD ["app"]',
    ],
  );
  assert.equal(steps[0]!.created, '2023-11-14T22:13:20.000Z');
});

test('below the images the engine holds, sizes that cannot say which step made a layer: undefined', () => {
  // The base image has 3 layers but only 2 of its steps have a size: one of its layers holds directories only.
  assert.equal(historyOf(history, new Map([...layers, ['sha256:base', 3]])), undefined);
  // Nothing held at all, not even the image itself.
  assert.equal(historyOf(history, new Map()), undefined);
});

test('an image the engine holds no step of (pulled) is told by sizes alone', () => {
  const pulled = [line('sha256:img', 'CMD', 0), line('<missing>', 'RUN b', 10), line('<missing>', 'RUN a', 10)];
  assert.deepEqual(
    historyOf(pulled, new Map([['sha256:img', 2]]))!.map((s) => Boolean(s.empty_layer)),
    [false, false, true],
  );
});

const src: SourceImage = {
  architecture: 'amd64',
  os: 'linux',
  config: { Cmd: ['app'], Env: ['A=1'], Labels: { existing: 'yes', 'calma.app': 'old' }, Image: 'sha256:wd' },
  diffIds: ['sha256:l1', 'sha256:l2', 'sha256:l3', 'sha256:l4'],
};

test('the labelled config: the source config with the labels added (theirs win), its layers, its history and one step of calma', () => {
  const now = new Date('2026-12-06T08:00:00Z');
  const config = JSON.parse(labelledConfig(src, history, layers, { 'calma.app': 'shop', 'calma.source': 'sha256:top' }, now)!) as Record<string, unknown>;
  assert.deepEqual(config.config, { Cmd: ['app'], Env: ['A=1'], Labels: { existing: 'yes', 'calma.app': 'shop', 'calma.source': 'sha256:top' }, Image: 'sha256:wd' });
  assert.deepEqual(config.rootfs, { type: 'layers', diff_ids: src.diffIds });
  assert.deepEqual([config.architecture, config.os, config.created], ['amd64', 'linux', '2026-12-06T08:00:00.000Z']);
  const steps = config.history as Array<Record<string, unknown>>;
  assert.equal(steps.length, history.length + 1);
  assert.deepEqual(steps.at(-1), { created: '2026-12-06T08:00:00.000Z', created_by: 'calma labels', comment: 'calma labels', empty_layer: true });
  assert.equal('variant' in config, false, 'absent fields stay absent');
});

test('a history whose layers do not add up to the image’s: undefined, never a config the engine would misread', () => {
  assert.equal(labelledConfig({ ...src, diffIds: src.diffIds.slice(1) }, history, layers, {}, new Date()), undefined);
});
