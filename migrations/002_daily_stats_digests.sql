-- A digest of each day's rows as the sync last stored them, so that a sync
-- that fetches a day again can tell that nothing changed without reading the
-- day's rows back. The digest is a cache: deleting rows of this table only
-- makes the next sync compare every row of those days again.

create table daily_stats_digests (
  date date primary key,
  -- Rows of the day that the digest covers.
  row_count integer not null,
  -- SHA-256, in hex, of the day's rows as COPY text lines in the order the
  -- upstream sent them.
  digest text not null,
  updated_at timestamptz not null default now()
);

-- Any write to daily_stats by anything but the sync deletes every digest,
-- because the rows may no longer be what a digest says. The sync sets
-- cursor_usage_aggregator.sync_writer to 'on' for its own transactions and
-- keeps the digests of the days it writes up to date itself.
--
-- SECURITY DEFINER, so that a role allowed to write daily_stats but not the
-- digest table (a dashboard's, an operator's) still clears the digests. Its
-- search_path is the one in effect when this migration runs, so a caller's
-- own search_path cannot point the delete at another table.
create function daily_stats_forget_digests() returns trigger
language plpgsql
security definer
set search_path from current
as $$
begin
  if current_setting('cursor_usage_aggregator.sync_writer', true) is distinct from 'on' then
    delete from daily_stats_digests;
  end if;
  return null;
end
$$;

create trigger daily_stats_forget_digests
after insert or update or delete or truncate on daily_stats
for each statement execute function daily_stats_forget_digests();
