// Schema changes, oldest first. Append only: a shipped entry is never edited.
export const migrations: readonly string[] = [
  `CREATE TABLE build_numbers (
     app TEXT PRIMARY KEY,
     last INTEGER NOT NULL
   );`,
  // API tokens: only a sha256 of the token is kept; the token itself is shown once.
  `CREATE TABLE tokens (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     hash TEXT NOT NULL UNIQUE,
     scope TEXT NOT NULL,
     app TEXT,
     created_at TEXT NOT NULL,
     last_used_at TEXT
   );`,
  // Deployments: history and intent. What runs is read from Docker's labels.
  `CREATE TABLE releases (
     id TEXT PRIMARY KEY,
     app TEXT NOT NULL,
     env TEXT NOT NULL,
     image TEXT NOT NULL,
     version TEXT NOT NULL,
     commit_sha TEXT NOT NULL,
     branch TEXT NOT NULL,
     config_json TEXT NOT NULL,
     created_at TEXT NOT NULL
   );
   CREATE INDEX releases_app_env ON releases (app, env, created_at);
   CREATE TABLE deployments (
     id TEXT PRIMARY KEY,
     app TEXT NOT NULL,
     env TEXT NOT NULL,
     release_id TEXT NOT NULL REFERENCES releases (id),
     previous_release_id TEXT,
     kind TEXT NOT NULL,
     status TEXT NOT NULL,
     reason TEXT,
     started_at TEXT NOT NULL,
     finished_at TEXT
   );
   CREATE INDEX deployments_app_env ON deployments (app, env, started_at);
   CREATE TABLE deployment_steps (
     deployment_id TEXT NOT NULL REFERENCES deployments (id),
     seq INTEGER NOT NULL,
     step TEXT NOT NULL,
     status TEXT NOT NULL,
     detail TEXT,
     started_at TEXT NOT NULL,
     finished_at TEXT,
     PRIMARY KEY (deployment_id, seq)
   );`,
  // App secrets: values sealed with the key in $CALMA_HOME/secret.key (AES-256-GCM).
  `CREATE TABLE secrets (
     app TEXT NOT NULL,
     name TEXT NOT NULL,
     sealed BLOB NOT NULL,
     updated_at TEXT NOT NULL,
     PRIMARY KEY (app, name)
   );`,
  // Fixed addresses of web replicas on calma's network, one per (environment, slot, replica):
  // the edge's upstream blocks name them, so a release switch needs no nginx reload.
  `CREATE TABLE edge_addresses (
     address TEXT PRIMARY KEY,
     app TEXT NOT NULL,
     env TEXT NOT NULL,
     slot TEXT NOT NULL,
     replica INTEGER NOT NULL,
     UNIQUE (app, env, slot, replica)
   );`,
  // Backups: the snapshot files and manifest live under $CALMA_HOME/backups; this is the index.
  // A deployment records the backup it took, for the data-safe rollback.
  `CREATE TABLE backups (
     id TEXT PRIMARY KEY,
     app TEXT NOT NULL,
     env TEXT NOT NULL,
     release TEXT NOT NULL,
     kind TEXT NOT NULL,
     created_at TEXT NOT NULL,
     bytes INTEGER NOT NULL,
     duration_ms INTEGER NOT NULL,
     verified_at TEXT,
     verify_error TEXT
   );
   CREATE INDEX backups_app_env ON backups (app, env, created_at);
   ALTER TABLE deployments ADD COLUMN backup_id TEXT;`,
  // Certificates: the files are under $CALMA_HOME/certs; this is what calma knows of each
  // (ACME or custom) and how its last attempt went, for renewal, backoff and `calma certs`.
  `CREATE TABLE certs (
     app TEXT NOT NULL,
     env TEXT NOT NULL,
     source TEXT NOT NULL,
     names TEXT NOT NULL,
     serial TEXT,
     issuer TEXT,
     not_before TEXT,
     not_after TEXT,
     last_attempt_at TEXT,
     last_error TEXT,
     failures INTEGER NOT NULL DEFAULT 0,
     next_attempt_at TEXT,
     PRIMARY KEY (app, env)
   );`,
  // Pipelines: one commit going through source, test, build, tag, push and deploy for one
  // environment. The full log is a file under $CALMA_HOME/pipelines; this is the index.
  `CREATE TABLE pipelines (
     id TEXT PRIMARY KEY,
     app TEXT NOT NULL,
     env TEXT NOT NULL,
     trigger TEXT NOT NULL,
     branch TEXT NOT NULL,
     commit_sha TEXT NOT NULL,
     status TEXT NOT NULL,
     reason TEXT,
     deployment_id TEXT,
     created_at TEXT NOT NULL,
     started_at TEXT,
     finished_at TEXT
   );
   CREATE INDEX pipelines_app ON pipelines (app, created_at);
   CREATE TABLE pipeline_stages (
     pipeline_id TEXT NOT NULL REFERENCES pipelines (id),
     seq INTEGER NOT NULL,
     stage TEXT NOT NULL,
     status TEXT NOT NULL,
     started_at TEXT NOT NULL,
     finished_at TEXT,
     PRIMARY KEY (pipeline_id, seq)
   );`,
  // Git-connected apps (a bare repository under $CALMA_HOME/git, a webhook secret sealed
  // like app secrets) and the preview environments branches got.
  `CREATE TABLE git_apps (
     app TEXT PRIMARY KEY,
     repository TEXT,
     webhook_secret BLOB NOT NULL,
     created_at TEXT NOT NULL
   );
   CREATE TABLE previews (
     app TEXT NOT NULL,
     env TEXT NOT NULL,
     branch TEXT NOT NULL,
     label TEXT NOT NULL,
     domain TEXT NOT NULL,
     commit_sha TEXT NOT NULL,
     pull_request INTEGER,
     created_at TEXT NOT NULL,
     pushed_at TEXT NOT NULL,
     PRIMARY KEY (app, env),
     UNIQUE (app, branch)
   );`,
  // Dashboard users (scrypt hashes) and their sessions (only a sha256 of the session id is kept,
  // like tokens); tokens may expire; deployments and pipelines remember who started them.
  `CREATE TABLE users (
     name TEXT PRIMARY KEY,
     hash TEXT NOT NULL,
     scope TEXT NOT NULL,
     created_at TEXT NOT NULL,
     last_login_at TEXT
   );
   CREATE TABLE sessions (
     hash TEXT PRIMARY KEY,
     user TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
     csrf TEXT NOT NULL,
     created_at TEXT NOT NULL,
     expires_at TEXT NOT NULL
   );
   ALTER TABLE tokens ADD COLUMN expires_at TEXT;
   ALTER TABLE deployments ADD COLUMN actor TEXT;
   ALTER TABLE pipelines ADD COLUMN actor TEXT;
   ALTER TABLE releases ADD COLUMN tags TEXT;`,
  // When this database took the build numbers the engine already held (once: see build-numbers.ts).
  `CREATE TABLE build_numbers_seeded (
     seeded_at TEXT NOT NULL
   );`,
  // A release's deployments, found without reading every deployment: the release
  // history of one app (and the backup schedules of all) asks it per release.
  `CREATE INDEX deployments_release ON deployments (release_id, status, finished_at);`,
  // Addresses on calma's network the engine showed held by containers this database does not
  // know (another calma home on the same engine): not handed out again, so each new
  // environment does not run into the same clash (and read every holder) anew.
  `CREATE TABLE foreign_addresses (
     address TEXT PRIMARY KEY
   );`,
  // Where the next search for a free fixed address starts (see AddressBook.reserve).
  `CREATE TABLE address_cursor (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     next_index INTEGER NOT NULL
   );`,
];
