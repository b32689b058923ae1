import { expect } from 'vitest';
import type { CycleResult } from '../../lib/syncCycle';

/** The variant of CycleResult whose status includes `Status`. */
type ResultWithStatus<Status, Result = CycleResult> = Result extends { status: infer Statuses }
  ? Status extends Statuses
    ? Result
    : never
  : never;

/** Asserts a cycle's status and returns the result narrowed to it, so its fields can be checked one by one. */
export function expectStatus<Status extends CycleResult['status']>(result: CycleResult, status: Status): ResultWithStatus<Status> {
  expect(result.status).toBe(status);
  return result as ResultWithStatus<Status>;
}
