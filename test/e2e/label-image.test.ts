// labelImage against a real engine: the labels land on an image with the same
// layers, the same config and history otherwise, made without a container; an
// image whose history the engine cannot describe exactly is committed instead,
// and that one-off container leaves nothing behind (no container, no anonymous
// volume). The source of labelled images goes with the last of them.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { labelImage, LABEL_ROLE, type StageLabels } from '../../src/build/label-image.js';
import { removeOrphanSources, removeUnusedSource } from '../../src/runtime/image-source.js';
import { pruneReleaseImages } from '../../src/runtime/images.js';
import { pruneOlderTestImages } from '../../src/build/test-images.js';
import { uniqueApp } from '../support/app-dir.js';
import { docker } from '../support/engine.js';

/** An image built from a Dockerfile alone (no context), tagged `tag` (untagged without, as a build's stage). */
function buildFromText(tag: string | undefined, dockerfile: string): string {
  return execFileSync('docker', ['build', '-q', ...(tag ? ['-t', tag] : []), '-'], { input: dockerfile, encoding: 'utf8', stdio: ['pipe', 'pipe', 'ignore'] }).trim();
}

/** labelImage until its source is tagged too, as a build awaits it: the labelled image's id. */
async function labelledId(engine: typeof docker, source: string, labels: StageLabels): Promise<string> {
  const done = await labelImage(engine, source, labels);
  await done.sourceTagged;
  return done.id;
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
    const id = await labelledId(docker, base, { 'calma.app': name, 'calma.role': 'image', 'calma.branch': 'q/$HOME"x' });
    made.push(id);
    assert.notEqual(id, base);
    const [before, labelled] = await Promise.all([docker.getImage(base).inspect(), docker.getImage(id).inspect()]);
    assert.deepEqual(labelled.Config.Labels, { existing: 'yes', 'calma.app': name, 'calma.role': 'image', 'calma.branch': 'q/$HOME"x', 'calma.source': base });
    assert.deepEqual({ ...labelled.Config, Labels: null }, { ...before.Config, Labels: null }, 'hostname, ONBUILD, SHELL and the rest unchanged');
    assert.deepEqual(labelled.RootFS.Layers, before.RootFS.Layers, 'no layer added');
    assert.deepEqual([labelled.Architecture, labelled.Os], [before.Architecture, before.Os]);
    assert.equal(labelled.Parent, '', 'loaded, not committed');
    const steps = async (id: string) => (await docker.getImage(id).history()).map((h: { CreatedBy: string; Size: number }) => `${h.Size} ${h.CreatedBy}`);
    assert.deepEqual(await steps(id), ['0 calma labels', ...(await steps(base))], "the build's history, then calma's labels");
    const left = await docker.listContainers({ all: true, filters: { label: [`calma.role=${LABEL_ROLE}`] } });
    assert.deepEqual(left, [], 'the one-off container is gone');
    assert.deepEqual([...(await volumeNames())].filter((v) => !volumesBefore.has(v)), [], 'its anonymous volume for /data is gone too');
  });

  test('an image whose steps the engine cannot tell apart (pulled, with a layer of directories only) is committed instead, with the same result', async () => {
    // Saved and loaded again: the engine holds none of its steps' images, as with a pulled image.
    const built = buildFromText(`${name}:pulled`, `FROM calma/busybox:base\nRUN mkdir /d-${name}\nCMD ["true"]\n`);
    const archive = join(mkdtempSync(join(tmpdir(), 'calma-label-')), 'image.tar');
    execFileSync('docker', ['save', '-o', archive, `${name}:pulled`]);
    execFileSync('docker', ['rmi', `${name}:pulled`], { stdio: 'ignore' });
    execFileSync('docker', ['load', '-q', '-i', archive], { stdio: 'ignore' });
    rmSync(dirname(archive), { recursive: true, force: true });
    const base = (await docker.getImage(`${name}:pulled`).inspect()).Id;
    assert.equal(base, built);
    made.push(base);
    const id = await labelledId(docker, base, { 'calma.app': name, 'calma.role': 'image' });
    made.push(id);
    const [before, labelled] = await Promise.all([docker.getImage(base).inspect(), docker.getImage(id).inspect()]);
    assert.equal(labelled.Parent, base, 'committed from a container of the image');
    assert.deepEqual(labelled.Config.Labels, { 'calma.app': name, 'calma.role': 'image', 'calma.source': base });
    assert.deepEqual({ ...labelled.Config, Labels: null }, { ...before.Config, Labels: null });
    assert.deepEqual(labelled.RootFS.Layers, before.RootFS.Layers);
    assert.deepEqual(await docker.listContainers({ all: true, filters: { label: [`calma.role=${LABEL_ROLE}`] } }), [], 'the one-off container is gone');
  });

  test('an engine that refuses a config without its layers (one storing images in containerd) gets the commit instead', async () => {
    const base = buildFromText(undefined, `FROM calma/busybox:base\nRUN echo ${name} refused > /r\n`);
    const refusing = Object.create(docker, { loadImage: { value: () => Promise.reject(new Error('archive lacks layer blobs')) } }) as typeof docker;
    const id = await labelledId(refusing, base, { 'calma.app': name, 'calma.role': 'image' });
    made.push(id, base);
    const labelled = await docker.getImage(id).inspect();
    assert.equal(labelled.Parent, base, 'committed');
    assert.equal(labelled.Config.Labels['calma.app'], name);
  });

  test('the source of labelled images stays, tagged, while one of them does (an image built on it and removed takes nothing), and goes with the last', async () => {
    // Untagged, as a build leaves its stages: only labelled images are tagged.
    const step = buildFromText(undefined, `FROM calma/busybox:base\nRUN echo ${name} step > /step\n`);
    const base = buildFromText(undefined, `FROM ${step}\nRUN echo ${name} src > /src\n`);
    const first = await labelledId(docker, base, { 'calma.app': name, 'calma.role': 'image' });
    const second = await labelledId(docker, base, { 'calma.app': `${name}-b`, 'calma.role': 'image' });
    made.push(second, first, base, step);
    const tag = `calma-source:${base.slice('sha256:'.length)}`;
    assert.deepEqual((await docker.getImage(base).inspect()).RepoTags, [tag]);
    // Someone builds on it and removes that image: the engine removes untagged parents with it, not the source.
    const onTop = buildFromText(`${name}:on-top`, `FROM ${base}\nLABEL by=hand\n`);
    execFileSync('docker', ['rmi', `${name}:on-top`], { stdio: 'ignore' });
    await assert.rejects(docker.getImage(onTop).inspect());
    await docker.getImage(base).inspect();
    const labelsOf = async (id: string) => (await docker.getImage(id).inspect()).Config.Labels;
    const firstLabels = await labelsOf(first);
    await docker.getImage(first).remove();
    assert.equal(await removeUnusedSource(docker, firstLabels), false, 'the second still names it');
    await docker.getImage(tag).inspect();
    const secondLabels = await labelsOf(second);
    await docker.getImage(second).remove();
    assert.equal(await removeUnusedSource(docker, secondLabels), true);
    await assert.rejects(docker.getImage(base).inspect(), 'the source is gone');
    await assert.rejects(docker.getImage(step).inspect(), 'and the build step under it');
    await docker.getImage('calma/busybox:base').inspect();
  });

  test("pruning a release image beyond keep, or an older test image, takes its build's source along", async () => {
    const shipSource = buildFromText(undefined, `FROM calma/busybox:base\nRUN echo ${name} ship > /s\n`);
    const testSource = buildFromText(undefined, `FROM calma/busybox:base\nRUN echo ${name} test > /t\n`);
    const ship = await labelledId(docker, shipSource, { 'calma.app': name, 'calma.role': 'image' });
    const tested = await labelledId(docker, testSource, { 'calma.app': name, 'calma.role': 'test' });
    made.push(ship, tested, shipSource, testSource);
    const lines: string[] = [];
    await pruneReleaseImages(docker, name, [ship], (l) => lines.push(l));
    assert.match(lines.join('\n'), /removed image/);
    assert.equal(await pruneOlderTestImages(docker, name, 'sha256:none', Date.now() + 5_000), 1);
    for (const id of [ship, shipSource, tested, testSource]) await assert.rejects(docker.getImage(id).inspect(), `${id} is gone`);
  });

  test('a source whose labelled images were removed by hand goes at the next sweep', async () => {
    const base = buildFromText(undefined, `FROM calma/busybox:base\nRUN echo ${name} orphan > /o\n`);
    const id = await labelledId(docker, base, { 'calma.app': name, 'calma.role': 'image' });
    made.push(id, base);
    await docker.getImage(id).remove();
    await docker.getImage(base).inspect();
    assert.ok((await removeOrphanSources(docker)) >= 1);
    await assert.rejects(docker.getImage(base).inspect());
  });

  test('keeps a command given by CMD alone exactly (no entrypoint appears)', async () => {
    const base = buildFromText(`${name}:cmd`, `FROM calma/busybox:base\nRUN echo ${name} > /stamp\nCMD ["httpd", "-f"]\n`);
    made.push(base);
    const id = await labelledId(docker, base, { 'calma.role': 'image' });
    made.push(id);
    const [before, after] = await Promise.all([docker.getImage(base).inspect(), docker.getImage(id).inspect()]);
    assert.deepEqual({ ...after.Config, Labels: null }, { ...before.Config, Labels: null });
  });

  test('labels an image that names no command', async () => {
    const base = buildFromText(`${name}:bare`, `FROM calma/busybox:base\nRUN echo ${name} > /stamp\nENTRYPOINT []\nCMD []\n`);
    made.push(base);
    const id = await labelledId(docker, base, { 'calma.role': 'test' });
    made.push(id);
    const [before, labelled] = await Promise.all([docker.getImage(base).inspect(), docker.getImage(id).inspect()]);
    assert.equal(labelled.Config.Labels?.['calma.role'], 'test');
    assert.deepEqual([before.Config.Entrypoint?.length ?? 0, before.Config.Cmd?.length ?? 0], [0, 0]);
    assert.deepEqual([labelled.Config.Entrypoint?.length ?? 0, labelled.Config.Cmd?.length ?? 0], [0, 0], "still no command: the one-off container's stays out");
  });
});
