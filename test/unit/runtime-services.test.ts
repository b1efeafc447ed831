import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { serviceHash, type ServiceSpec } from '../../src/runtime/services.js';

const db: ServiceSpec = { name: 'db', image: 'postgres:16', command: undefined, environment: { B: '2', A: '1' }, volumes: [{ type: 'volume', source: 'db', target: '/var/lib/postgresql/data', readOnly: false }] };

test('a service without a port keeps the hash it had before ports existed: upgrading calma recreates nothing', () => {
  const before = createHash('sha256')
    .update(JSON.stringify([db.image, null, [['A', '1'], ['B', '2']], db.volumes]))
    .digest('hex')
    .slice(0, 16);
  assert.equal(serviceHash(db), before);
  assert.equal(serviceHash({ ...db, port: undefined }), before);
});

test('a port given or changed is a change of definition: the service is recreated', () => {
  assert.notEqual(serviceHash({ ...db, port: 5432 }), serviceHash(db));
  assert.notEqual(serviceHash({ ...db, port: 5432 }), serviceHash({ ...db, port: 5433 }));
  assert.equal(serviceHash({ ...db, port: 5432 }), serviceHash({ ...db, environment: { A: '1', B: '2' }, port: 5432 }), 'env order does not matter');
});
