import type { Sql } from '../db';

export interface TeamMember {
  email: string;
  name: string | null;
  role: string | null;
}

export interface MemberRefresh {
  members: number;
  departed: number;
}

/**
 * Makes `developers` match the member list: members are inserted or updated
 * with `is_member` true, and every other developer gets `is_member` false.
 * Rows are written only when a value changed.
 */
export async function refreshMembers(sql: Sql, members: readonly TeamMember[], now: Date): Promise<MemberRefresh> {
  const emails = members.map((member) => member.email);
  const names = members.map((member) => member.name);
  const roles = members.map((member) => member.role);

  return sql.begin(async (transaction) => {
    const upserted = await transaction`
      insert into developers (email, name, role, is_member, first_seen_at, updated_at)
      select email, name, role, true, ${now}, ${now}
      from unnest(${emails}::text[], ${names}::text[], ${roles}::text[]) as member(email, name, role)
      on conflict (email) do update
      set name = excluded.name, role = excluded.role, is_member = true, updated_at = excluded.updated_at
      where (developers.name, developers.role, developers.is_member)
        is distinct from (excluded.name, excluded.role, true)
    `;
    const departed = await transaction`
      update developers
      set is_member = false, updated_at = ${now}
      where is_member and email <> all(${emails}::text[])
    `;
    return { members: upserted.count, departed: departed.count };
  });
}
