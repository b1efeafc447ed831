import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LABELLED_DOCKERFILE, labelStep, quoteWord, userDockerfileText } from '../../src/build/label-step.js';

const twoStages = 'FROM a AS build\nRUN make\n\nFROM build AS production\nCMD ["run"]\n';

test('the labels close the target stage as one LABEL line, before the next FROM', () => {
  const step = labelStep(twoStages, 0, { 'calma.app': 'web', 'calma.role': 'test' }, undefined);
  assert.equal(step.dockerfile, LABELLED_DOCKERFILE);
  assert.equal(step.files[LABELLED_DOCKERFILE], 'FROM a AS build\nRUN make\n\nLABEL calma.app="web" calma.role="test"\nFROM build AS production\nCMD ["run"]\n');
});

test('the last stage gets its LABEL line at the end', () => {
  const step = labelStep(twoStages, 1, { 'calma.app': 'web' }, undefined);
  assert.equal(step.files[LABELLED_DOCKERFILE], `${twoStages}\nLABEL calma.app="web"\n`);
  assert.equal(labelStep('FROM a\nCMD ["x"]', 0, { a: 'b' }, undefined).files[LABELLED_DOCKERFILE], 'FROM a\nCMD ["x"]\n\nLABEL a="b"\n');
});

test('the generated .dockerignore hides the rewritten Dockerfile, and itself when the context had none', () => {
  assert.equal(labelStep(twoStages, 1, { a: 'b' }, undefined).files['.dockerignore'], `${LABELLED_DOCKERFILE}\n.dockerignore\n`);
  assert.equal(labelStep(twoStages, 1, { a: 'b' }, 'node_modules\n!keep').files['.dockerignore'], `node_modules\n!keep\n${LABELLED_DOCKERFILE}\n`);
  assert.equal(labelStep(twoStages, 1, { a: 'b' }, 'dist\n').files['.dockerignore'], `dist\n${LABELLED_DOCKERFILE}\n`);
  assert.equal(labelStep(twoStages, 1, { a: 'b' }, '').files['.dockerignore'], `${LABELLED_DOCKERFILE}\n`);
});

test('label values are quoted so nothing in them is expanded or ends the instruction', () => {
  assert.equal(quoteWord('feat/x'), '"feat/x"');
  assert.equal(quoteWord('a"b$HOME\\c'), '"a\\"b\\$HOME\\\\c"');
  assert.equal(quoteWord('line\nbreak\r\u0000'), '"line break  "');
  // a Dockerfile that chose the backtick as its escape character gets it used
  assert.equal(quoteWord('a"b`c\\d', '`'), '"a`"b``c\\d"');
  const step = labelStep('# escape=`\nFROM a\n', 0, { b: 'x"y' }, undefined);
  assert.match(step.files[LABELLED_DOCKERFILE]!, /^LABEL b="x`"y"$/m);
});

test('engine messages name the user\'s Dockerfile, not the rewritten one', () => {
  assert.equal(userDockerfileText(`failed to parse ${LABELLED_DOCKERFILE}: unknown instruction`, 'docker/Dockerfile'), 'failed to parse docker/Dockerfile: unknown instruction');
});
