import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb } from '../../src/state/db.js';
import { SecretBox } from '../../src/state/secret-box.js';
import { listSecrets, openSecrets, setSecret, unsetSecret } from '../../src/state/secrets.js';

test('secrets are sealed at rest, listed by name, opened only by their own row', () => {
  const home = mkdtempSync(join(tmpdir(), 'calma-secrets-'));
  try {
    const box = SecretBox.open(home);
    assert.equal(statSync(join(home, 'secret.key')).mode & 0o777, 0o600);
    const db = openDb(join(home, 'state.db'));
    setSecret(db, box, 'shop', 'DATABASE_PASSWORD', 'hunter2-very-secret');
    setSecret(db, box, 'shop', 'API_KEY', 'k1');
    setSecret(db, box, 'shop', 'API_KEY', 'k2');
    assert.deepEqual(listSecrets(db, 'shop').map((s) => s.name), ['API_KEY', 'DATABASE_PASSWORD']);
    assert.deepEqual(openSecrets(db, box, 'shop', ['API_KEY', 'DATABASE_PASSWORD', 'MISSING']), { values: { API_KEY: 'k2', DATABASE_PASSWORD: 'hunter2-very-secret' }, missing: ['MISSING'] });
    db.close();
    // Nothing readable in the database file itself.
    assert.ok(!readFileSync(join(home, 'state.db')).includes('hunter2-very-secret'));
    const db2 = openDb(join(home, 'state.db'));
    // A sealed value moved to another row does not open.
    db2.prepare("UPDATE secrets SET sealed = (SELECT sealed FROM secrets WHERE name = 'API_KEY') WHERE name = 'DATABASE_PASSWORD'").run();
    assert.throws(() => openSecrets(db2, SecretBox.open(home), 'shop', ['DATABASE_PASSWORD']));
    assert.equal(unsetSecret(db2, 'shop', 'API_KEY'), true);
    assert.equal(unsetSecret(db2, 'shop', 'API_KEY'), false);
    db2.close();
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
