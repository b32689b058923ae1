import type { Sql } from '../db';
import { CURSOR_SOURCE } from './syncStateRow';

/**
 * Moves the expiry of a lease that `owner` still holds. Returns false when
 * another run has taken it over, which it can only do after it expired.
 */
export async function extendLease(sql: Sql, owner: string, expiresAt: Date): Promise<boolean> {
  const result = await sql`
    update sync_state
    set lease_expires_at = ${expiresAt}
    where source = ${CURSOR_SOURCE} and lease_owner = ${owner}
  `;
  return result.count === 1;
}
