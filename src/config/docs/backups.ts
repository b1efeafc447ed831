// A hand-written section of docs/configuration.md: where the backups that
// `backup:` and `services.<name>.backup` describe end up, and how to get them
// off the server. Kept here, beside the generator, so `npm run gen:docs`
// writes it again with the generated reference instead of erasing it.

export const BACKUPS_SECTION = `## Where backups live, and copying them off the server

Each backup (before a deployment, \`calma backup\`, or on \`backup.schedule\`) is one directory on the
server running \`calma server\`:

\`\`\`
$CALMA_HOME/backups/<app>/<env>/<id>/      # $CALMA_HOME: /var/lib/calma as root, else ~/.calma
  manifest.json                            # id, app, env, release, kind, createdAt, durationMs, and every file below
  volumes/<name>.tar                       # each volume of backup.volumes, as a tar (entries under calma-volume/)
  services/<name>.dump                     # the standard output of each service's backup.dump
\`\`\`

\`calma backups APP\` prints each backup's \`path\` (\`--json\` for scripts). A backup is written as
\`<id>.partial\` and renamed only when whole, so a directory named by a plain id is complete. The
newest \`backup.keep\` per environment are kept; older directories are deleted.

Backups on the same disk as the data do not survive the loss of that disk: copy them to another
machine. Each directory is self-contained, so copying the tree is enough, e.g. from the backup host:

\`\`\`sh
rsync -a --exclude '*.partial' root@app-server:/var/lib/calma/backups/ /srv/calma-backups/
# or one backup:
scp -r root@app-server:/var/lib/calma/backups/shop/production/b1a2b3c4d5 /srv/calma-backups/
\`\`\`

Then check a copy against its manifest, which lists the sha256 and size of every file:

\`\`\`sh
cd /srv/calma-backups/shop/production/b1a2b3c4d5
jq -r '(.volumes + .services)[] | "\\(.sha256)  \\(.file)"' manifest.json | sha256sum -c -
\`\`\`

\`calma restore APP BACKUP\` restores a backup that \`calma backups APP\` still lists (copy the
directory back to its place if it was damaged; its checksums are verified before anything stops).
The files are plain, so a backup calma no longer lists can be restored by hand: \`volumes/<name>.tar\`
holds the volume's files under \`calma-volume/\`, and \`services/<name>.dump\` is what the service's
\`backup.restore\` command reads on its standard input.`;
