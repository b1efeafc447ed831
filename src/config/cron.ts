// Cron schedules in calma.yml (`backup.schedule`). They are checked by croner,
// in the same mode the daemon's scheduler runs them in, so that a schedule the
// config accepts is exactly one the daemon can run.

import { Cron, type CronMode } from 'croner';
import { z } from 'zod';
import { errorMessage } from '../errors.js';
import { expected, expecting } from './messages.js';

/** Standard cron, optionally with seconds first; croner's seventh field (years) is not cron and is refused. */
export const CRON_MODE: CronMode = '5-or-6-parts';

const SCHEDULE = 'a cron schedule like "0 3 * * *"';

/** Why `s` is not a schedule the daemon can run, or undefined when it is one. */
export function cronProblem(s: string): string | undefined {
  const nickname = s.trim().startsWith('@');
  const fields = s.trim().split(/\s+/);
  // Counted here rather than left to croner, whose message also offers the refused seventh field.
  if (!nickname && fields.length !== 5 && fields.length !== 6) {
    return 'it needs 5 fields, minute hour day month weekday, or 6 with seconds first';
  }
  let cron: Cron;
  try {
    cron = new Cron(s, { mode: CRON_MODE }); // without a function to run, nothing is scheduled
  } catch (e) {
    // @reboot included: the daemon has no "system start" to run it at.
    if (nickname) return 'the nicknames are @yearly, @monthly, @weekly, @daily and @hourly';
    const reason = errorMessage(e).replace(/^CronPattern: /, '').replace(/\.$/, '');
    return `${reason.charAt(0).toLowerCase()}${reason.slice(1)}`;
  }
  // `0 0 30 2 *` parses, but a backup that never comes must not look configured.
  return cron.nextRun() === null ? 'it never runs: no such date' : undefined;
}

/** Kept as written: the scheduler parses it again in the same mode, and logs show what the user wrote. */
export const cronSchedule = z.string({ error: expecting(SCHEDULE) }).superRefine((s, ctx) => {
  const problem = cronProblem(s);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', input: s, message: `${expected(SCHEDULE, s)} (${problem})` });
});
