// An uploaded archive (the app directory a CLI sends to deploy). The daemon's
// body parser creates it from an `application/x-tar` body saved to disk; JSON
// can never produce an instance, so no client can name a file on the daemon.
export const TAR_CONTENT_TYPE = 'application/x-tar';

export class UploadedArchive {
  constructor(
    readonly path: string,
    readonly bytes: number,
  ) {}
}
