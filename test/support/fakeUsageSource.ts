import type { DailyUsageResponse, UsageSource } from '../../lib/cursorClient';
import type { TeamMember } from '../../lib/sql/refreshMembers';
import type { UsageRecordSink } from '../../lib/usageRecord';
import { addDays, startOfDayMs, type IsoDate } from '../../lib/time';
import type { DateRange } from '../../lib/window';

/** Builds a record as the upstream sends it, with every count derived from `seed`. */
export function upstreamRecord(email: string, date: IsoDate, seed = 1): Record<string, unknown> {
  return {
    date: startOfDayMs(date),
    email,
    isActive: seed % 5 !== 0,
    totalLinesAdded: 100 * seed,
    totalLinesDeleted: 40 * seed,
    acceptedLinesAdded: 60 * seed,
    acceptedLinesDeleted: 20 * seed,
    totalApplies: 10 * seed,
    totalAccepts: 6 * seed,
    totalRejects: 3 * seed,
    totalTabsShown: 50 * seed,
    totalTabsAccepted: 20 * seed,
    composerRequests: seed,
    chatRequests: 2 * seed,
    agentRequests: 3 * seed,
    cmdkUsages: seed,
    subscriptionIncludedReqs: 5 * seed,
    apiKeyReqs: 0,
    usageBasedReqs: seed,
    bugbotUsages: 0,
    mostUsedModel: 'claude-4-sonnet',
    applyMostUsedExtension: 'ts',
    tabMostUsedExtension: 'py',
    clientVersion: '1.4.2',
  };
}

/**
 * An in-memory stand-in for the Cursor API: one record per member per day,
 * with hooks to fail or to change what a request returns. It records every
 * range requested.
 */
export class FakeUsageSource implements UsageSource {
  readonly requests: DateRange[] = [];
  members: TeamMember[];
  /** Returns the records of one request; replace it to inject bad data. */
  recordsFor: (range: DateRange) => unknown[];
  /** Throws for the request with this index (0-based) when set. */
  failOnRequest: { index: number; error: Error } | undefined;
  failMembers: Error | undefined;

  constructor(emails: readonly string[], seed = 1) {
    this.members = emails.map((email) => ({ email, name: email.split('@')[0] ?? null, role: 'member' }));
    this.recordsFor = (range) => {
      const records: unknown[] = [];
      for (let day = range.start; day <= range.end; day = addDays(day, 1)) {
        for (const member of this.members) {
          records.push(upstreamRecord(member.email, day, seed));
        }
      }
      return records;
    };
  }

  async fetchMembers(): Promise<TeamMember[]> {
    if (this.failMembers !== undefined) {
      throw this.failMembers;
    }
    return this.members;
  }

  async fetchDailyUsage(range: DateRange, sink: UsageRecordSink): Promise<DailyUsageResponse> {
    const index = this.requests.length;
    this.requests.push(range);
    if (this.failOnRequest?.index === index) {
      throw this.failOnRequest.error;
    }
    sink.reset();
    const records = this.recordsFor(range);
    for (const record of records) {
      sink.add(record);
    }
    return { records: records.length, responseBytes: 0 };
  }
}
