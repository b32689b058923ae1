// The body of `POST /teams/daily-usage-data`: generated records, with the record
// faults applied in a fixed order so that a response is the same on every request.

import type { JsonArrayBody } from './bodyWriter.js';
import type { RecordFaults } from './faultState.js';
import { malformRecord } from './malformedRecords.js';
import type { Team } from './team.js';
import { dayNumberOf } from './time.js';
import { generateUsage, type UsageRecord } from './usage.js';

export interface UsageResponseRequest {
  team: Team;
  /** The team with one more developer who is not a member, for the `nonMemberUsage` fault. */
  teamWithNonMember: Team;
  /** The member whose e-mail changes case under the `emailCaseVariants` fault, or null when there is none. */
  caseVariantEmail: string | null;
  startMs: number;
  endMs: number;
  now: Date;
  faults: RecordFaults;
}

/** Builds the JSON body of a usage response, to be streamed with `streamJsonArray`. */
export function buildUsageBody(request: UsageResponseRequest): JsonArrayBody {
  const team = request.faults.nonMemberUsage ? request.teamWithNonMember : request.team;
  const records = generateUsage(team, request.startMs, request.endMs, request.now);
  return {
    prefix: '{"data":[',
    items: serializeRecords(records, request.faults, request.faults.emailCaseVariants ? request.caseVariantEmail : null),
    suffix: `],"period":{"startDate":${request.startMs},"endDate":${request.endMs}}}`,
  };
}

/**
 * Serializes the records. The first records are replaced by one malformed record
 * per entry of `malformedRecords`, in order. The next `duplicateRecords` records
 * are sent again, with changed values, after all the others.
 */
function* serializeRecords(records: Iterable<UsageRecord>, faults: RecordFaults, caseVariantEmail: string | null): Generator<string> {
  const malformedKinds = faults.malformedRecords ?? [];
  const lastDuplicatedPosition = malformedKinds.length + faults.duplicateRecords;
  const duplicates: string[] = [];
  let position = 0;

  for (const generated of records) {
    const record = generated.email === caseVariantEmail ? { ...generated, email: emailCaseVariant(generated.email, generated.date) } : generated;

    const malformedKind = malformedKinds[position];
    if (malformedKind !== undefined) {
      yield JSON.stringify(malformRecord(record, malformedKind));
    } else {
      yield JSON.stringify(record);
      if (position < lastDuplicatedPosition) {
        duplicates.push(JSON.stringify(changedCopy(record)));
      }
    }
    position += 1;
  }

  yield* duplicates;
}

/**
 * Returns the e-mail in one of three spellings, chosen by the day: as it is,
 * capitalized (`Jonas.Schneider@Example.com`), or upper-case.
 */
export function emailCaseVariant(email: string, dateMs: number): string {
  const variant = dayNumberOf(dateMs) % 3;
  if (variant === 1) {
    return email.replace(/(^|[.@])([a-z])/g, (_match, separator: string, letter: string) => separator + letter.toUpperCase()).replace(/\.Com$/, '.com');
  }
  if (variant === 2) {
    return email.toUpperCase();
  }
  return email;
}

// A second version of the record with other counts, as if restated between two
// reads of the same response. Accepted counts stay at or below their totals.
function changedCopy(record: UsageRecord): UsageRecord {
  return {
    ...record,
    isActive: true,
    totalLinesAdded: record.totalLinesAdded + 7,
    chatRequests: record.chatRequests + 1,
    subscriptionIncludedReqs: record.subscriptionIncludedReqs + 1,
  };
}
