// The fault set: which failures the simulator injects. The same JSON object is
// accepted by SIMULATOR_FAULTS, `POST /admin/faults` and `setFaults()`, and every
// key is described in simulator/README.md.

import { z } from 'zod';

import { InvalidFaultsError } from './errors.js';

/** Kinds of malformed records for `malformedRecords`, which replace the first records of a response. */
export const MALFORMED_RECORD_KINDS = [
  'negativeCount',
  'fractionalCount',
  'countAsString',
  'countAboveInt32',
  'missingEmail',
  'invalidEmail',
  'missingDate',
  'invalidDate',
  'nullFields',
  'missingFields',
  'unknownField',
] as const;

export type MalformedRecordKind = (typeof MALFORMED_RECORD_KINDS)[number];

export const MALFORMED_BODY_KINDS = ['notJson', 'missingData', 'truncatedJson'] as const;

export type MalformedBodyKind = (typeof MALFORMED_BODY_KINDS)[number];

const MAX_RETRY_AFTER_SECONDS = 86_400;
const MAX_LATENCY_MS = 600_000;
const MAX_RECORD_FAULTS = 1000;

/** Number of API requests a fault applies to. Without it, the fault applies to every request while it is set. */
const requestCount = z.number().int().min(1).optional();

const partialBody = z.strictObject({
  /** Bytes of body written before the connection is cut or left open. */
  afterBytes: z.number().int().min(0).default(1024),
  count: requestCount,
});

export const faultsSchema = z.strictObject({
  outageSeconds: z.number().positive().max(MAX_RETRY_AFTER_SECONDS).optional(),
  tooManyRequests: z
    .strictObject({
      retryAfter: z.enum(['seconds', 'httpDate', 'absent']).default('seconds'),
      retryAfterSeconds: z.number().int().min(0).max(MAX_RETRY_AFTER_SECONDS).default(30),
      count: requestCount,
    })
    .optional(),
  serverErrors: z
    .strictObject({
      probability: z.number().min(0).max(1),
      status: z.number().int().min(500).max(599).default(500),
    })
    .optional(),
  latencyMs: z.number().int().min(0).max(MAX_LATENCY_MS).optional(),
  dropConnection: partialBody.optional(),
  neverComplete: partialBody.optional(),
  malformedBody: z
    .strictObject({
      kind: z.enum(MALFORMED_BODY_KINDS),
      count: requestCount,
    })
    .optional(),
  malformedRecords: z.array(z.enum(MALFORMED_RECORD_KINDS)).max(MAX_RECORD_FAULTS).optional(),
  duplicateRecords: z.number().int().min(1).max(MAX_RECORD_FAULTS).optional(),
  nonMemberUsage: z.boolean().optional(),
  emailCaseVariants: z.boolean().optional(),
  unicodeNames: z.boolean().optional(),
});

/** A fault set as written by a caller, before defaults are filled in. */
export type FaultsInput = z.input<typeof faultsSchema>;

/** A validated fault set with defaults filled in. */
export type Faults = z.output<typeof faultsSchema>;

/**
 * Validates a fault set and fills in its defaults.
 * Throws InvalidFaultsError naming each unknown key and each invalid value.
 */
export function parseFaults(value: unknown): Faults {
  const result = faultsSchema.safeParse(value);
  if (result.success) {
    return result.data;
  }

  const problems = result.error.issues.map((issue) => {
    const where = issue.path.length === 0 ? 'the fault set' : `"${issue.path.join('.')}"`;
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.map((key) => `"${key}"`).join(', ');
      return `unknown key ${keys} in ${where}`;
    }
    return `${where}: ${issue.message}`;
  });
  throw new InvalidFaultsError(`Invalid fault set: ${problems.join('; ')}. See simulator/README.md for the fault keys.`);
}
