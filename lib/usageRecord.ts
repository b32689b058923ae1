import { z } from 'zod';
import { toIsoDate, type IsoDate } from './time';

/** The count fields of an upstream record, with the `daily_stats` column of each. */
export const COUNT_COLUMNS = {
  totalLinesAdded: 'total_lines_added',
  totalLinesDeleted: 'total_lines_deleted',
  acceptedLinesAdded: 'accepted_lines_added',
  acceptedLinesDeleted: 'accepted_lines_deleted',
  totalApplies: 'total_applies',
  totalAccepts: 'total_accepts',
  totalRejects: 'total_rejects',
  totalTabsShown: 'total_tabs_shown',
  totalTabsAccepted: 'total_tabs_accepted',
  composerRequests: 'composer_requests',
  chatRequests: 'chat_requests',
  agentRequests: 'agent_requests',
  cmdkUsages: 'cmdk_usages',
  subscriptionIncludedReqs: 'subscription_included_reqs',
  apiKeyReqs: 'api_key_reqs',
  usageBasedReqs: 'usage_based_reqs',
  bugbotUsages: 'bugbot_usages',
} as const;

/** The text fields of an upstream record, with the `daily_stats` column of each. */
export const TEXT_COLUMNS = {
  mostUsedModel: 'most_used_model',
  applyMostUsedExtension: 'apply_most_used_extension',
  tabMostUsedExtension: 'tab_most_used_extension',
  clientVersion: 'client_version',
} as const;

export type CountField = keyof typeof COUNT_COLUMNS;
export type TextField = keyof typeof TEXT_COLUMNS;
export const COUNT_FIELDS = Object.keys(COUNT_COLUMNS) as CountField[];
export const TEXT_FIELDS = Object.keys(TEXT_COLUMNS) as TextField[];

/** Count columns are PostgreSQL `integer`. */
export const MAX_COUNT = 2 ** 31 - 1;

// Upstream dates are epoch milliseconds; anything outside these years is a
// broken value rather than real usage.
const MIN_DATE_MS = Date.UTC(2000, 0, 1);
const MAX_DATE_MS = Date.UTC(2100, 0, 1);

/** One developer's usage on one UTC day, validated. Null means the upstream did not send it. */
export type UsageRecord = {
  email: string;
  date: IsoDate;
  isActive: boolean | null;
} & { [field in CountField]: number | null } & { [field in TextField]: string | null };

export interface RejectedRecord {
  payload: unknown;
  reason: string;
}

const count = z.int().min(0).max(MAX_COUNT).nullish();
// Texts are informational: a value of another type is stored as NULL rather
// than rejecting the whole record.
// PostgreSQL text cannot contain NUL, so NUL characters are dropped rather
// than failing the whole request's transaction.
const text = z
  .string()
  .transform((value) => (value.includes('\u0000') ? value.replaceAll('\u0000', '') : value))
  .nullish()
  .catch(null);

const recordSchema = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email()),
  date: z.int().min(MIN_DATE_MS).max(MAX_DATE_MS),
  isActive: z.boolean().nullish().catch(null),
  ...Object.fromEntries(COUNT_FIELDS.map((field) => [field, count])),
  ...Object.fromEntries(TEXT_FIELDS.map((field) => [field, text])),
}) as z.ZodType<Record<string, unknown>>;

export type ValidationResult = { ok: true; record: UsageRecord } | { ok: false; reason: string };

/**
 * Validates one upstream record. It is rejected only for a missing or invalid
 * email or date, or a count that is negative, not an integer, a string, or
 * above 2^31 - 1. Missing and null fields become NULL; unknown fields are dropped.
 */
export function validateRecord(payload: unknown): ValidationResult {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return { ok: false, reason: 'record is not a JSON object' };
  }
  const parsed = recordSchema.safeParse(payload);
  if (!parsed.success) {
    return { ok: false, reason: describeRejection(payload as Record<string, unknown>, parsed.error) };
  }

  const data = parsed.data;
  const record = {
    email: data.email as string,
    date: toIsoDate(data.date as number),
    isActive: (data.isActive as boolean | null | undefined) ?? null,
  } as UsageRecord;
  for (const field of COUNT_FIELDS) {
    record[field] = (data[field] as number | null | undefined) ?? null;
  }
  for (const field of TEXT_FIELDS) {
    record[field] = (data[field] as string | null | undefined) ?? null;
  }
  return { ok: true, record };
}

function describeRejection(payload: Record<string, unknown>, error: z.ZodError): string {
  const field = String(error.issues[0]?.path[0] ?? '');
  const value = payload[field];

  if (field === 'email') {
    return value === undefined || value === null ? 'missing email' : 'invalid email';
  }
  if (field === 'date') {
    return value === undefined || value === null ? 'missing date' : 'invalid date';
  }
  if (typeof value === 'string') {
    return `count ${field} sent as a string`;
  }
  if (typeof value !== 'number') {
    return `count ${field} is not a number`;
  }
  if (!Number.isInteger(value)) {
    return `count ${field} is not an integer`;
  }
  if (value < 0) {
    return `count ${field} is negative`;
  }
  return `count ${field} is above ${MAX_COUNT}`;
}

export interface ValidatedBatch {
  /** One record per (email, date), the last one received. */
  records: UsageRecord[];
  rejected: RejectedRecord[];
}

/** Receives the records of one upstream response as they are read. */
export interface UsageRecordSink {
  /** Drops what was received so far: a retried request starts over. */
  reset(): void;
  /** Takes one record; `text` is its JSON as received, kept for rejection. */
  add(payload: unknown, text?: string): void;
}

/**
 * Validates records as they arrive and keeps one per (email, date): a later
 * record replaces an earlier one, which is rejected as `duplicate`.
 *
 * Accepted records are kept with their JSON text, not the parsed object,
 * because a duplicate must be stored as received and the text is the smaller
 * of the two.
 */
export class RecordValidator implements UsageRecordSink {
  private byKey = new Map<string, { record: UsageRecord; payload: unknown; text: string | undefined }>();
  private rejectedRecords: RejectedRecord[] = [];

  reset(): void {
    this.byKey = new Map();
    this.rejectedRecords = [];
  }

  add(payload: unknown, text?: string): void {
    const result = validateRecord(payload);
    if (!result.ok) {
      this.rejectedRecords.push({ payload, reason: result.reason });
      return;
    }
    const key = `${result.record.email}\u0000${result.record.date}`;
    const replaced = this.byKey.get(key);
    if (replaced !== undefined) {
      const replacedPayload = replaced.text === undefined ? replaced.payload : (JSON.parse(replaced.text) as unknown);
      this.rejectedRecords.push({ payload: replacedPayload, reason: 'duplicate' });
      // Delete first so the map's order follows the last occurrence.
      this.byKey.delete(key);
    }
    this.byKey.set(
      key,
      text === undefined ? { record: result.record, payload, text } : { record: result.record, payload: undefined, text },
    );
  }

  get received(): number {
    return this.byKey.size + this.rejectedRecords.length;
  }

  result(): ValidatedBatch {
    return { records: [...this.byKey.values()].map((entry) => entry.record), rejected: this.rejectedRecords };
  }
}

/** Validates a whole response's records at once; see RecordValidator. */
export function validateRecords(payloads: readonly unknown[]): ValidatedBatch {
  const validator = new RecordValidator();
  for (const payload of payloads) {
    validator.add(payload);
  }
  return validator.result();
}
