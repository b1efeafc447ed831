// Commit statuses for apps whose calma.yml asks for them (`source.status`):
// the token is the app's secret named by `source.token`, opened only here.
import type { Db } from '../state/db.js';
import type { SecretBox } from '../state/secret-box.js';
import { openSecrets } from '../state/secrets.js';
import { reportCommitStatus } from '../git/commit-status.js';
import type { StatusReporter } from './pipelines.js';

const SHA = /^[0-9a-f]{40}$/;

export function commitStatusReporter(db: Db, box: SecretBox): StatusReporter {
  return async (config, commit, state, description) => {
    const target = config.source?.status;
    if (!target || !config.source?.token || !SHA.test(commit)) return;
    const { values, missing } = openSecrets(db, box, config.app, [config.source.token]);
    if (missing.length > 0) throw new Error(`secret ${config.source.token} (source.token) is not set`);
    await reportCommitStatus({ ...target, token: values[config.source.token]! }, commit, { state, description, context: 'calma/test' });
  };
}
