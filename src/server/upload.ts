// Receives `application/x-tar` bodies: streamed to a file under the daemon's
// uploads directory (never held in memory), capped in size, and handed to the
// handler as an UploadedArchive.
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { TAR_CONTENT_TYPE, UploadedArchive } from '../api/upload.js';
import { ApiError } from '../api/errors.js';

export function acceptTarUploads(app: FastifyInstance, dir: string, maxBytes: number): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  app.addContentTypeParser(TAR_CONTENT_TYPE, { bodyLimit: maxBytes }, (_req, payload, done) => {
    const path = join(dir, `${Date.now()}-${randomBytes(6).toString('hex')}.tar`);
    let bytes = 0;
    const count = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        bytes += chunk.length;
        if (bytes > maxBytes) return cb(new ApiError('user', `the upload is over the limit of ${maxBytes} bytes`));
        cb(null, chunk);
      },
    });
    pipeline(payload, count, createWriteStream(path, { mode: 0o600 })).then(
      () => done(null, new UploadedArchive(path, bytes)),
      (e: Error) => {
        rmSync(path, { force: true });
        done(e, undefined);
      },
    );
  });
}
