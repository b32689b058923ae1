import { addDays, startOfDayMs, toIsoDate, type IsoDate } from '../lib/time';
import { validateRecords, type UsageRecord } from '../lib/usageRecord';
import { daysPerRequestForTeam, splitRange, type DateRange } from '../lib/window';
import { createTeam, generateUsage, listMembers, type Team } from '../simulator/index';
import { CopyTextBuilder } from './copyText';

/** The simulator's default seed; the simulator process runs with the same one. */
export const SIMULATOR_SEED = 42;

export interface Dataset {
  developers: number;
  historyDays: number;
  members: number;
  team: Team;
  /** The simulator's clock, fixed for the whole run so every read returns the same rows. */
  simulatorNow: Date;
  firstDay: IsoDate;
  today: IsoDate;
  yesterday: IsoDate;
  /** The days cut into requests the way the sync cuts them for this team. */
  requests: DateRange[];
  /** Emails in order of first appearance; developer n (from 1) has the n-th. */
  emails: string[];
  rows: number;
  /** Every row in COPY text format, with developer ids numbered as `emails`. */
  copyText: Buffer[];
}

/**
 * Plans a team's usage and checks it once: generates every request's records
 * with the simulator's generator, validates them, counts the rows and the
 * developers, and keeps only the COPY text. The records themselves are not
 * kept: validatedRequest produces them again for each measurement, so the
 * bench's heap contains one response's records at a time, as the sync's does.
 */
export function buildDataset(developers: number, historyDays: number, simulatorNow: Date): Dataset {
  const team = createTeam({ seed: SIMULATOR_SEED, developers, historyDays });
  const members = listMembers(team).length;
  const today = toIsoDate(simulatorNow.getTime());
  const firstDay = addDays(today, -(historyDays - 1));

  // The same sizing as the sync cycle, which leaves room for usage of departed
  // developers beyond the member list.
  const daysPerRequest = daysPerRequestForTeam(Math.ceil(members * 1.2) + 1);
  const requests = splitRange({ start: firstDay, end: today }, daysPerRequest);

  const developerIds = new Map<string, string>();
  const copyText = new CopyTextBuilder();
  let rows = 0;
  const dataset = { developers, historyDays, members, team, simulatorNow, firstDay, today, yesterday: addDays(today, -1), requests };

  for (const request of requests) {
    for (const record of validatedRequest(dataset, request, 0)) {
      let developerId = developerIds.get(record.email);
      if (developerId === undefined) {
        developerId = String(developerIds.size + 1);
        developerIds.set(record.email, developerId);
      }
      copyText.add(record, developerId);
      rows++;
    }
  }

  return { ...dataset, emails: [...developerIds.keys()], rows, copyText: copyText.finish() };
}

/**
 * Returns one request's records as the sync has them before its write stage:
 * generated, then validated by validateRecords, one per (email, date).
 * `countIncrement` is added to one count of every record, so that a pass with
 * 1 changes every row stored by a pass with 0.
 */
export function validatedRequest(
  dataset: Pick<Dataset, 'team' | 'simulatorNow'>,
  request: DateRange,
  countIncrement: number,
): UsageRecord[] {
  const generated = [...generateUsage(dataset.team, startOfDayMs(request.start), startOfDayMs(request.end), dataset.simulatorNow)];
  for (const record of generated) {
    record.totalLinesAdded += countIncrement;
  }

  const { records, rejected } = validateRecords(generated);
  if (rejected.length > 0) {
    throw new Error(
      `The generator produced ${rejected.length} invalid records for ${request.start}..${request.end} (first reason: ${rejected[0]?.reason}); the benchmark needs valid data.`,
    );
  }
  return records;
}
