// labelImage against a real engine: the labels land on an image with the same
// layers and the same config otherwise, and the one-off container leaves
// nothing behind (no container, no anonymous volume).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { labelImage, LABEL_ROLE } from '../../src/build/label-image.js';
import { uniqueApp } from '../support/app-dir.js';
import { docker } from '../support/engine.js';

/** An image built from a Dockerfile alone (no context), tagged `tag`. */
function buildFromText(tag: string, dockerfile: string): string {
  return execFileSync('docker', ['build', '-q', '-t', tag, '-'], { input: dockerfile, encoding: 'utf8', stdio: ['pipe', 'pipe', 'ignore'] }).trim();
}

const volumeNames = async (): Promise<Set<string>> => new Set(((await docker.listVolumes()).Volumes ?? []).map((v) => v.Name));

describe('labelImage', () => {
  const name = uniqueApp('label');
  const made: string[] = [];
  after(async () => {
    for (const id of made.reverse()) await docker.getImage(id).remove({ force: true }).catch(() => undefined);
  });

  test('adds the labels and keeps every other part of a rich config, with no layer of its own', async () => {
    const base = buildFromText(
      `${name}:rich`,
      [
        'FROM calma/busybox:base',
        `RUN echo ${name} > /stamp`,
        'ENV A=1 B="two words"',
        'USER 1000:1000',
        'WORKDIR /srv/app',
        'EXPOSE 8080/tcp 9090/udp',
        'VOLUME ["/data"]',
        'HEALTHCHECK --interval=5s CMD ["true"]',
        'STOPSIGNAL SIGINT',
        'ONBUILD RUN echo built on',
        'SHELL ["/bin/sh", "-ec"]',
        'LABEL existing=yes calma.role=user',
        'ENTRYPOINT ["/bin/httpd"]',
        'CMD ["-f", "-p", "8080"]',
      ].join('\n'),
    );
    made.push(base);
    const volumesBefore = await volumeNames();
    const id = await labelImage(docker, base, { 'calma.app': name, 'calma.role': 'image', 'calma.branch': 'q/$HOME"x' });
    made.push(id);
    assert.notEqual(id, base);
    const [before, labelled] = await Promise.all([docker.getImage(base).inspect(), docker.getImage(id).inspect()]);
    assert.deepEqual(labelled.Config.Labels, { existing: 'yes', 'calma.app': name, 'calma.role': 'image', 'calma.branch': 'q/$HOME"x' });
    assert.deepEqual({ ...labelled.Config, Labels: null }, { ...before.Config, Labels: null }, 'hostname, ONBUILD, SHELL and the rest unchanged');
    assert.deepEqual(labelled.RootFS.Layers, before.RootFS.Layers, 'no layer added');
    assert.equal(labelled.Parent, base);
    const left = await docker.listContainers({ all: true, filters: { label: [`calma.role=${LABEL_ROLE}`] } });
    assert.deepEqual(left, [], 'the one-off container is gone');
    assert.deepEqual([...(await volumeNames())].filter((v) => !volumesBefore.has(v)), [], 'its anonymous volume for /data is gone too');
  });

  test('keeps a command given by CMD alone exactly (no entrypoint appears)', async () => {
    const base = buildFromText(`${name}:cmd`, `FROM calma/busybox:base\nRUN echo ${name} > /stamp\nCMD ["httpd", "-f"]\n`);
    made.push(base);
    const id = await labelImage(docker, base, { 'calma.role': 'image' });
    made.push(id);
    const [before, labelled] = await Promise.all([docker.getImage(base).inspect(), docker.getImage(id).inspect()]);
    assert.deepEqual({ ...labelled.Config, Labels: null }, { ...before.Config, Labels: null });
  });

  test('labels an image that names no command', async () => {
    const base = buildFromText(`${name}:bare`, `FROM calma/busybox:base\nRUN echo ${name} > /stamp\nENTRYPOINT []\nCMD []\n`);
    made.push(base);
    const id = await labelImage(docker, base, { 'calma.role': 'test' });
    made.push(id);
    const [before, labelled] = await Promise.all([docker.getImage(base).inspect(), docker.getImage(id).inspect()]);
    assert.equal(labelled.Config.Labels?.['calma.role'], 'test');
    assert.deepEqual([before.Config.Entrypoint?.length ?? 0, before.Config.Cmd?.length ?? 0], [0, 0]);
    assert.deepEqual([labelled.Config.Entrypoint?.length ?? 0, labelled.Config.Cmd?.length ?? 0], [0, 0], "still no command: the one-off container's stays out");
  });
});
