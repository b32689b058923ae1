import { DEFAULT_LISTED_RUNS, DEFAULT_STATUS_RUNS, MAX_LISTED_RUNS, type CommandName } from './arguments';

const OVERVIEW = `Usage: npm run ops -- <command> [options]

Operator commands for the PostgreSQL copy of the Cursor usage. They read the
same environment variables as the sync: DATABASE_URL, or without it the
embedded PostgreSQL of a running \`npm start\`; CURSOR_API_URL and
CURSOR_API_KEY for backfill. Each command applies pending database
migrations first, as the sync does.

Commands:
  status     Show the sync state, the watermark, the lag and the last runs.
  runs       List the run history, newest first.
  backfill   Fetch a range of days again and store it; the watermark stays.
  reset      Move the watermark back, so the next cycle fetches again from
             the day after it.

Options:
  -h, --help   Show this help. \`npm run ops -- <command> --help\` shows the
               options of one command.

Dates are UTC calendar days written YYYY-MM-DD. Times are ISO 8601 in UTC.
Use \`npm run --silent ops -- ...\` to keep npm's own lines out of the output.

Exit codes: 0 done, 1 failed (including a sync holding the lease),
2 invalid usage or configuration, with nothing changed.
`;

const COMMAND_HELP: Record<CommandName, string> = {
  status: `Usage: npm run ops -- status [--runs N] [--json]

Shows the sync state (healthy, backing_off or degraded), the watermark (every
UTC day up to it is stored), the lag in days (today UTC minus the watermark),
the number of consecutive failed cycles, the next attempt after a failure,
the last success, the lease holder, and the last runs.

Options:
  --runs N     How many runs to show, newest first: 1 to ${MAX_LISTED_RUNS} (default ${DEFAULT_STATUS_RUNS}).
  --json       Print one JSON object with the fields state, watermark,
               lagDays, consecutiveFailures, nextAttemptAt, lastSuccessAt and
               lastRuns (the runs as in \`runs --json\`).
  -h, --help   Show this help.
`,
  runs: `Usage: npm run ops -- runs [--last N] [--json]

Lists the recorded runs, newest first: scheduled and manual sync cycles and
backfills (trigger manual), with their window, counts, outcome and error.
Runs older than RETENTION_DAYS are pruned by the sync.

Options:
  --last N     How many runs to list: 1 to ${MAX_LISTED_RUNS} (default ${DEFAULT_LISTED_RUNS}).
  --json       Print a JSON array of runs with the fields runId, trigger,
               startedAt, finishedAt, windowStart, windowEnd, developers,
               rowsUpserted, rowsChanged, rowsRejected, outcome and error.
  -h, --help   Show this help.
`,
  backfill: `Usage: npm run ops -- backfill --from YYYY-MM-DD --to YYYY-MM-DD

Fetches the days from --from through --to (both included) from the Cursor
Admin API again and stores them, as a sync cycle would, but never moves the
watermark. It refreshes the team members first, sizes the requests by team
(at most 30 days each) and sends at most one every 4 seconds, below the
upstream's limit of 20 requests a minute. It holds the sync lease while it
runs, so no cycle writes at the same time, and records a run with trigger
manual. The sync's failure count and backoff stay as they are. To have the
sync itself fetch days again, use \`reset\` instead.

Options:
  --from YYYY-MM-DD   First day to fetch.
  --to YYYY-MM-DD     Last day to fetch; today (UTC) at the latest.
  -h, --help          Show this help.

Exit 0 when every day was stored; 1 when a request failed (the days before
it are stored; the message names the rest) or when a sync or another
backfill holds the lease; 2 for invalid dates, with nothing changed.
`,
  reset: `Usage: npm run ops -- reset --watermark YYYY-MM-DD

Moves the watermark back to the given day, so that the next cycle fetches
again every day after it. The date must not be after the current watermark,
because every day up to the watermark must be stored; fetch later days again
with \`backfill\` instead. The reset also clears the time set for the next
attempt after a failure, so the next scheduled cycle runs once the poll
interval has passed; the failure count stays until a cycle succeeds. It is
refused while a sync or backfill holds the lease.

Options:
  --watermark YYYY-MM-DD   The new watermark: the last day that counts as stored.
  -h, --help               Show this help.

Exit 0 when reset; 1 when a sync or backfill holds the lease; 2 for an invalid date, a
date after the current watermark, or no watermark yet, with nothing changed.
`,
};

/** Returns the help text of one command, or the overview without a command. */
export function helpText(topic: CommandName | undefined): string {
  return topic === undefined ? OVERVIEW : COMMAND_HELP[topic];
}
