// Records broken on purpose for the `malformedRecords` fault. By the validation
// rules of the contract, a client must reject the kinds listed in
// REJECTED_KINDS and store the others, with NULL for missing or null values.

import type { MalformedRecordKind } from './faults.js';
import type { UsageRecord } from './usage.js';

export const REJECTED_KINDS: ReadonlySet<MalformedRecordKind> = new Set<MalformedRecordKind>([
  'negativeCount',
  'fractionalCount',
  'countAsString',
  'countAboveInt32',
  'missingEmail',
  'invalidEmail',
  'missingDate',
  'invalidDate',
]);

/** The smallest count that does not fit a PostgreSQL `integer`: 2^31. */
const INT32_OVERFLOW = 2 ** 31;

/** Returns a copy of the record broken in the way `kind` names. */
export function malformRecord(record: UsageRecord, kind: MalformedRecordKind): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...record };

  switch (kind) {
    case 'negativeCount':
      copy.totalLinesAdded = -Math.max(1, record.totalLinesAdded);
      break;
    case 'fractionalCount':
      copy.totalApplies = record.totalApplies + 0.5;
      break;
    case 'countAsString':
      copy.totalTabsShown = String(record.totalTabsShown);
      break;
    case 'countAboveInt32':
      copy.totalLinesDeleted = INT32_OVERFLOW;
      break;
    case 'missingEmail':
      delete copy.email;
      break;
    case 'invalidEmail':
      copy.email = record.email.replace('@', ' at ');
      break;
    case 'missingDate':
      delete copy.date;
      break;
    case 'invalidDate':
      copy.date = 'not-a-date';
      break;
    case 'nullFields':
      copy.mostUsedModel = null;
      copy.applyMostUsedExtension = null;
      copy.tabMostUsedExtension = null;
      copy.clientVersion = null;
      copy.totalRejects = null;
      copy.bugbotUsages = null;
      break;
    case 'missingFields':
      delete copy.mostUsedModel;
      delete copy.clientVersion;
      delete copy.cmdkUsages;
      delete copy.bugbotUsages;
      break;
    case 'unknownField':
      copy.experimentalScore = 0.42;
      copy.featureFlags = ['background-agent'];
      break;
  }
  return copy;
}
