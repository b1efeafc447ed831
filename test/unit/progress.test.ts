import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BuildProgress } from '../../src/build/progress.js';

test('the classic builder stream becomes steps with cache status, output and layer ids', () => {
  const p = new BuildProgress();
  const messages = [
    { stream: 'Step 1/3 : FROM calma/busybox:base\n' },
    { stream: ' ---> 0123456789ab\n' },
    { stream: 'Step 2/3 : COPY a.txt .\n' },
    { stream: ' ---> Using cache\n' },
    { stream: ' ---> 1123456789ab\n' },
    { stream: 'Step 3/3 : RUN echo hi\n' },
    { stream: ' ---> Running in ffeeddccbbaa\n' },
    { stream: 'hi\nsecond ' },
    { stream: 'line\n' },
    { stream: 'Removing intermediate container ffeeddccbbaa\n' },
    { stream: ' ---> 2123456789ab\n' },
    { aux: { ID: 'sha256:2123456789ab' } },
    { stream: 'Successfully built 2123456789ab\n' },
  ];
  const kinds = messages.flatMap((m) => p.push(m)).map((e) => (e.kind === 'output' ? `output:${e.line}` : e.kind));
  assert.deepEqual(kinds, ['step', 'step', 'cached', 'step', 'output:hi', 'output:second line', 'built']);
  assert.deepEqual(
    p.steps.map((s) => [s.n, s.instruction, s.cached, s.imageId, s.output]),
    [
      [1, 'FROM calma/busybox:base', false, '0123456789ab', []],
      [2, 'COPY a.txt .', true, '1123456789ab', []],
      [3, 'RUN echo hi', false, '2123456789ab', ['hi', 'second line']],
    ],
  );
  assert.equal(p.imageId, 'sha256:2123456789ab');
});

test('only the last 40 output lines of a step are kept', () => {
  const p = new BuildProgress();
  p.push({ stream: 'Step 1/1 : RUN seq 100\n' });
  for (let i = 1; i <= 100; i++) p.push({ stream: `${i}\n` });
  assert.equal(p.current?.output.length, 40);
  assert.equal(p.current?.output[0], '61');
});
