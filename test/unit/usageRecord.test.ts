import { describe, expect, test } from 'vitest';
import {
  passesSchemaChecks,
  schemaAccepts,
  validateRecord,
  validateRecords,
  type UsageRecord,
  type ValidationResult,
} from '../../lib/usageRecord';

const MARCH_9_MS = Date.UTC(2026, 2, 9);
const MARCH_10_MS = Date.UTC(2026, 2, 10);
const MAX_COUNT = 2 ** 31 - 1;

const COUNTS = {
  totalLinesAdded: 120,
  totalLinesDeleted: 40,
  acceptedLinesAdded: 90,
  acceptedLinesDeleted: 30,
  totalApplies: 12,
  totalAccepts: 10,
  totalRejects: 2,
  totalTabsShown: 300,
  totalTabsAccepted: 150,
  composerRequests: 7,
  chatRequests: 8,
  agentRequests: 9,
  cmdkUsages: 3,
  subscriptionIncludedReqs: 20,
  apiKeyReqs: 1,
  usageBasedReqs: 4,
  bugbotUsages: 0,
};

const TEXTS = {
  mostUsedModel: 'claude-4-sonnet',
  applyMostUsedExtension: 'ts',
  tabMostUsedExtension: 'py',
  clientVersion: '1.4.2',
};

const COUNT_NAMES = Object.keys(COUNTS) as (keyof typeof COUNTS)[];
const TEXT_NAMES = Object.keys(TEXTS) as (keyof typeof TEXTS)[];

/** Builds a complete upstream record as the API sends it. Overrides replace or add fields. */
function upstreamRecord(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    date: MARCH_10_MS,
    email: 'Ada.Lovelace@Example.COM',
    isActive: true,
    ...COUNTS,
    ...TEXTS,
    ...overrides,
  };
}

function upstreamRecordWithout(field: string): Record<string, unknown> {
  const record = upstreamRecord();
  delete record[field];
  return record;
}

function acceptedRecord(result: ValidationResult): UsageRecord {
  if (!result.ok) {
    throw new Error(`expected the record to be accepted, but it was rejected: ${result.reason}`);
  }
  return result.record;
}

function rejectionReason(result: ValidationResult): string {
  if (result.ok) {
    throw new Error('expected the record to be rejected, but it was accepted');
  }
  return result.reason;
}

describe('validateRecord', () => {
  test('full record keeps every field', () => {
    // Act
    const record = acceptedRecord(validateRecord(upstreamRecord()));

    // Assess
    expect(record.email).toBe('ada.lovelace@example.com');
    expect(record.date).toBe('2026-03-10');
    expect(record.isActive).toBe(true);
    for (const field of COUNT_NAMES) {
      expect(record[field], field).toBe(COUNTS[field]);
    }
    for (const field of TEXT_NAMES) {
      expect(record[field], field).toBe(TEXTS[field]);
    }
  });

  test('full record has no other fields', () => {
    // Act
    const record = acceptedRecord(validateRecord(upstreamRecord()));

    // Assess
    expect(Object.keys(record).sort()).toEqual(['date', 'email', 'isActive', ...COUNT_NAMES, ...TEXT_NAMES].sort());
  });

  test.each([
    { name: 'email trimmed and lower-cased', overrides: { email: '  Grace@Example.org ' }, field: 'email', expected: 'grace@example.org' },
    { name: 'date at start of year', overrides: { date: Date.UTC(2026, 0, 1) }, field: 'date', expected: '2026-01-01' },
    { name: 'date on leap day', overrides: { date: Date.UTC(2024, 1, 29) }, field: 'date', expected: '2024-02-29' },
  ] as const)('$name', ({ overrides, field, expected }) => {
    // Act
    const record = acceptedRecord(validateRecord(upstreamRecord(overrides)));

    // Assess
    expect(record[field]).toBe(expected);
  });

  test.each(COUNT_NAMES)('missing %s becomes null', (field) => {
    // Act
    const record = acceptedRecord(validateRecord(upstreamRecordWithout(field)));

    // Assess
    expect(record[field]).toBeNull();
  });

  test.each(COUNT_NAMES)('null %s becomes null', (field) => {
    // Act
    const record = acceptedRecord(validateRecord(upstreamRecord({ [field]: null })));

    // Assess
    expect(record[field]).toBeNull();
  });

  test.each(TEXT_NAMES)('missing %s becomes null', (field) => {
    // Act
    const record = acceptedRecord(validateRecord(upstreamRecordWithout(field)));

    // Assess
    expect(record[field]).toBeNull();
  });

  test.each(TEXT_NAMES)('null %s becomes null', (field) => {
    // Act
    const record = acceptedRecord(validateRecord(upstreamRecord({ [field]: null })));

    // Assess
    expect(record[field]).toBeNull();
  });

  test('minimal record has only nulls', () => {
    // Act
    const record = acceptedRecord(validateRecord({ email: 'ada@example.com', date: MARCH_10_MS }));

    // Assess
    expect(record.isActive).toBeNull();
    for (const field of [...COUNT_NAMES, ...TEXT_NAMES]) {
      expect(record[field], field).toBeNull();
    }
  });

  test('unknown fields dropped', () => {
    // Act
    const record = acceptedRecord(
      validateRecord(upstreamRecord({ favoriteColor: 'teal', nested: { deep: 1 }, totalSomethingNew: 5 })),
    );

    // Assess
    expect(record).not.toHaveProperty('favoriteColor');
    expect(record).not.toHaveProperty('nested');
    expect(record).not.toHaveProperty('totalSomethingNew');
  });

  test.each([
    { name: 'text as number', overrides: { mostUsedModel: 42 }, field: 'mostUsedModel' },
    { name: 'text as object', overrides: { clientVersion: { major: 1 } }, field: 'clientVersion' },
    { name: 'text as boolean', overrides: { tabMostUsedExtension: false }, field: 'tabMostUsedExtension' },
    { name: 'isActive as string', overrides: { isActive: 'yes' }, field: 'isActive' },
    { name: 'isActive as number', overrides: { isActive: 1 }, field: 'isActive' },
    { name: 'isActive null', overrides: { isActive: null }, field: 'isActive' },
  ] as const)('$name becomes null', ({ overrides, field }) => {
    // Act
    const record = acceptedRecord(validateRecord(upstreamRecord(overrides)));

    // Assess
    expect(record[field]).toBeNull();
  });

  test('isActive false kept', () => {
    // Act
    const record = acceptedRecord(validateRecord(upstreamRecord({ isActive: false })));

    // Assess
    expect(record.isActive).toBe(false);
  });

  test.each([
    { name: 'zero', value: 0 },
    { name: '2^31 - 1', value: MAX_COUNT },
  ])('count of $name accepted', ({ value }) => {
    // Act
    const record = acceptedRecord(validateRecord(upstreamRecord({ totalLinesAdded: value })));

    // Assess
    expect(record.totalLinesAdded).toBe(value);
  });

  test.each([
    { name: 'missing email', payload: upstreamRecordWithout('email'), reason: 'missing email' },
    { name: 'null email', payload: upstreamRecord({ email: null }), reason: 'missing email' },
    { name: 'email without @', payload: upstreamRecord({ email: 'ada.example.com' }), reason: 'invalid email' },
    { name: 'empty email', payload: upstreamRecord({ email: '' }), reason: 'invalid email' },
    { name: 'email as number', payload: upstreamRecord({ email: 42 }), reason: 'invalid email' },
    { name: 'missing date', payload: upstreamRecordWithout('date'), reason: 'missing date' },
    { name: 'null date', payload: upstreamRecord({ date: null }), reason: 'missing date' },
    { name: 'date as string', payload: upstreamRecord({ date: '2026-03-10' }), reason: 'invalid date' },
    { name: 'date as NaN', payload: upstreamRecord({ date: Number.NaN }), reason: 'invalid date' },
    { name: 'date far in past', payload: upstreamRecord({ date: -8_640_000_000_000_000 }), reason: 'invalid date' },
    { name: 'date far in future', payload: upstreamRecord({ date: 8_640_000_000_000_000 }), reason: 'invalid date' },
    { name: 'date in seconds', payload: upstreamRecord({ date: MARCH_10_MS / 1000 }), reason: 'invalid date' },
    { name: 'date as fraction', payload: upstreamRecord({ date: MARCH_10_MS + 0.5 }), reason: 'invalid date' },
    {
      name: 'negative count',
      payload: upstreamRecord({ totalLinesAdded: -1 }),
      reason: 'count totalLinesAdded is negative',
    },
    {
      name: 'count as string',
      payload: upstreamRecord({ chatRequests: '12' }),
      reason: 'count chatRequests sent as a string',
    },
    {
      name: 'non-integer count',
      payload: upstreamRecord({ totalTabsShown: 1.5 }),
      reason: 'count totalTabsShown is not an integer',
    },
    {
      name: 'count above 2^31 - 1',
      payload: upstreamRecord({ bugbotUsages: MAX_COUNT + 1 }),
      reason: `count bugbotUsages is above ${MAX_COUNT}`,
    },
    {
      name: 'count as boolean',
      payload: upstreamRecord({ agentRequests: true }),
      reason: 'count agentRequests is not a number',
    },
  ])('$name rejected', ({ payload, reason }) => {
    // Act
    const result = validateRecord(payload);

    // Assess
    expect(rejectionReason(result)).toBe(reason);
  });

  test.each([
    { name: 'null', payload: null },
    { name: 'array', payload: [upstreamRecord()] },
    { name: 'string', payload: 'ada@example.com' },
    { name: 'number', payload: 42 },
    { name: 'undefined', payload: undefined },
  ])('$name record rejected', ({ payload }) => {
    // Act
    const result = validateRecord(payload);

    // Assess
    expect(rejectionReason(result)).toBe('record is not a JSON object');
  });
});

/** Values for one field that sit on or beyond every edge the schema checks. */
const EDGE_VALUES: unknown[] = [
  undefined,
  null,
  0,
  -0,
  1,
  -1,
  1.5,
  MAX_COUNT,
  MAX_COUNT + 1,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 2,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  1e300,
  '12',
  '',
  true,
  false,
  [],
  [3],
  {},
  MARCH_10_MS,
  MARCH_10_MS + 0.5,
  Date.UTC(2000, 0, 1),
  Date.UTC(2000, 0, 1) - 1,
  Date.UTC(2100, 0, 1),
  Date.UTC(2100, 0, 1) + 1,
];

describe('passesSchemaChecks', () => {
  test('complete record passes', () => {
    expect(passesSchemaChecks(upstreamRecord())).toBe(true);
  });

  test('record without counts passes', () => {
    expect(passesSchemaChecks({ email: 'ada@example.com', date: MARCH_10_MS })).toBe(true);
  });

  // Agreeing on every edge value also means it never passes what the schema rejects.
  test.each(['email', 'date', ...COUNT_NAMES])('agrees with the schema on %s', (field) => {
    for (const value of EDGE_VALUES) {
      const payload = upstreamRecord({ [field]: value });

      expect({ value, passes: passesSchemaChecks(payload) }).toEqual({ value, passes: schemaAccepts(payload) });
    }
  });
});

describe('validateRecords', () => {
  test('distinct records all kept', () => {
    // Prepare
    const payloads = [
      upstreamRecord({ email: 'ada@example.com', date: MARCH_9_MS }),
      upstreamRecord({ email: 'ada@example.com', date: MARCH_10_MS }),
      upstreamRecord({ email: 'grace@example.com', date: MARCH_10_MS }),
    ];

    // Act
    const batch = validateRecords(payloads);

    // Assess
    expect(batch.records.map((record) => `${record.email} ${record.date}`)).toEqual([
      'ada@example.com 2026-03-09',
      'ada@example.com 2026-03-10',
      'grace@example.com 2026-03-10',
    ]);
    expect(batch.rejected).toEqual([]);
  });

  test('duplicate keeps last record', () => {
    // Prepare
    const first = upstreamRecord({ email: 'ada@example.com', chatRequests: 1 });
    const second = upstreamRecord({ email: 'ada@example.com', chatRequests: 2 });

    // Act
    const batch = validateRecords([first, second]);

    // Assess
    expect(batch.records).toHaveLength(1);
    expect(batch.records[0]?.chatRequests).toBe(2);
    expect(batch.rejected).toEqual([{ payload: first, reason: 'duplicate' }]);
  });

  test('duplicate email case variants', () => {
    // Prepare
    const first = upstreamRecord({ email: 'Ada@Example.com', chatRequests: 1 });
    const second = upstreamRecord({ email: 'ada@example.COM', chatRequests: 2 });

    // Act
    const batch = validateRecords([first, second]);

    // Assess
    expect(batch.records).toHaveLength(1);
    expect(batch.records[0]?.email).toBe('ada@example.com');
    expect(batch.records[0]?.chatRequests).toBe(2);
    expect(batch.rejected).toEqual([{ payload: first, reason: 'duplicate' }]);
  });

  test('three copies reject two', () => {
    // Prepare
    const copies = [1, 2, 3].map((chatRequests) => upstreamRecord({ email: 'ada@example.com', chatRequests }));

    // Act
    const batch = validateRecords(copies);

    // Assess
    expect(batch.records).toHaveLength(1);
    expect(batch.records[0]?.chatRequests).toBe(3);
    expect(batch.rejected).toHaveLength(2);
    expect(batch.rejected[0]).toEqual({ payload: copies[0], reason: 'duplicate' });
    expect(batch.rejected[1]).toEqual({ payload: copies[1], reason: 'duplicate' });
  });

  test('same email other day kept', () => {
    // Prepare
    const payloads = [
      upstreamRecord({ email: 'ada@example.com', date: MARCH_9_MS }),
      upstreamRecord({ email: 'ADA@example.com', date: MARCH_10_MS }),
    ];

    // Act
    const batch = validateRecords(payloads);

    // Assess
    expect(batch.records).toHaveLength(2);
    expect(batch.rejected).toEqual([]);
  });

  test('invalid record rejected with reason', () => {
    // Prepare
    const invalid = upstreamRecord({ email: 'grace@example.com', totalApplies: -3 });
    const valid = upstreamRecord({ email: 'ada@example.com' });

    // Act
    const batch = validateRecords([invalid, valid]);

    // Assess
    expect(batch.records.map((record) => record.email)).toEqual(['ada@example.com']);
    expect(batch.rejected).toEqual([{ payload: invalid, reason: 'count totalApplies is negative' }]);
  });

  test('records follow last occurrence order', () => {
    // Prepare
    const payloads = [
      upstreamRecord({ email: 'ada@example.com' }),
      upstreamRecord({ email: 'grace@example.com' }),
      upstreamRecord({ email: 'ada@example.com' }),
    ];

    // Act
    const batch = validateRecords(payloads);

    // Assess
    expect(batch.records.map((record) => record.email)).toEqual(['grace@example.com', 'ada@example.com']);
  });

  test('empty response gives nothing', () => {
    // Act
    const batch = validateRecords([]);

    // Assess
    expect(batch.records).toEqual([]);
    expect(batch.rejected).toEqual([]);
  });
});
