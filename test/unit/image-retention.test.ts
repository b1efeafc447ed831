import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prunableImages, type ImageFacts } from '../../src/deploy/image-retention.js';

const shipped = (id: string, app = 'shop') => ({ id, labels: { 'calma.app': app, 'calma.role': 'image', 'calma.version': id } });

test('the images of removed releases go when calma built them for this app and no container is left on them', () => {
  const images = [shipped('sha256:old1'), shipped('sha256:old2'), shipped('sha256:kept'), shipped('sha256:green')];
  const containers = [{ imageId: 'sha256:kept' }, { imageId: 'sha256:green' }];
  assert.deepEqual(prunableImages('shop', ['sha256:old1', 'sha256:old2', 'sha256:old1'], images, containers), ['sha256:old1', 'sha256:old2']);
});

test('an image a kept release, another environment or any other container uses stays', () => {
  const images = [shipped('sha256:a'), shipped('sha256:b')];
  // e.g. staging still runs the image production just dropped, or a stopped release kept for rollback was made from it
  assert.deepEqual(prunableImages('shop', ['sha256:a', 'sha256:b'], images, [{ imageId: 'sha256:a' }]), ['sha256:b']);
});

test('never an image calma did not build as this app\'s shipping image', () => {
  const images: ImageFacts[] = [
    { id: 'sha256:user', labels: { maintainer: 'someone' } },
    { id: 'sha256:none', labels: null },
    { id: 'sha256:test', labels: { 'calma.app': 'shop', 'calma.role': 'test' } },
    { id: 'sha256:other', labels: { 'calma.app': 'shopfront', 'calma.role': 'image' } },
    { id: 'sha256:svc', labels: { 'calma.app': 'shop' } },
  ];
  assert.deepEqual(prunableImages('shop', images.map((i) => i.id), images, []), []);
  assert.deepEqual(prunableImages('shop', ['sha256:gone'], images, []), [], 'an image no longer in the engine is not asked for');
});
