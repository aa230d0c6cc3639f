import { invalidInput, type RunStatus } from '@runlens/core';
import type { CommandContext } from '../context.js';
import { formatTime } from '../output/format.js';
import { renderTable } from '../output/table.js';
import { paintStatus } from './describe.js';
import { listOption, timeOption } from './options.js';

export interface RunsOptions {
  readonly provider?: string[];
  readonly status?: RunStatus[];
  readonly since?: string;
  readonly until?: string;
  readonly limit?: number;
  readonly json?: boolean;
}

export async function runsCommand(context: CommandContext, options: RunsOptions): Promise<number> {
  const since = timeOption('--since', options.since);
  const until = timeOption('--until', options.until);
  if (since !== undefined && until !== undefined && since >= until) throw invalidInput('--since must be earlier than --until');
  const { runs, warnings } = await context.runlens.list({
    providers: listOption(options.provider),
    status: listOption(options.status),
    since,
    until,
    limit: options.limit,
    signal: context.signal,
  });
  context.warnAll(warnings);
  if (options.json) {
    context.out.line(JSON.stringify({ runs }, null, 2));
  } else if (runs.length === 0) {
    context.out.line('no runs found');
  } else {
    const c = context.color;
    context.out.lines(
      renderTable(
        [{ header: 'ref' }, { header: 'status' }, { header: 'created' }, { header: 'ended' }, { header: 'name' }],
        runs.map((r) => [r.ref, paintStatus(c, r.status), formatTime(r.createdAt), formatTime(r.endedAt), r.name]),
        c,
      ),
    );
  }
  // The rows of the providers that answered are printed, but a listing that lost a provider must not
  // look complete to a script: exit with that provider's error code.
  const lost = warnings.find((w) => w.error !== undefined);
  return lost ? (await import('../exit.js')).exitCodeForCode(lost.error!) : 0;
}
