-- Tables of the aggregator: developers, their daily usage, the sync's state,
-- its run history and the upstream records that failed validation.

create table developers (
  id bigint generated always as identity primary key,
  email text not null unique check (email = lower(email)),
  name text,
  role text,
  is_member boolean not null default false,
  first_seen_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table daily_stats (
  developer_id bigint not null references developers (id),
  date date not null,
  total_lines_added integer,
  total_lines_deleted integer,
  accepted_lines_added integer,
  accepted_lines_deleted integer,
  total_applies integer,
  total_accepts integer,
  total_rejects integer,
  total_tabs_shown integer,
  total_tabs_accepted integer,
  composer_requests integer,
  chat_requests integer,
  agent_requests integer,
  cmdk_usages integer,
  subscription_included_reqs integer,
  api_key_reqs integer,
  usage_based_reqs integer,
  bugbot_usages integer,
  most_used_model text,
  apply_most_used_extension text,
  tab_most_used_extension text,
  client_version text,
  is_active boolean,
  -- Tabs accepted over tabs shown, from 0 to 1; 0 when no tab was shown or
  -- the count is unknown. Capped at 1 because upstream data is not checked
  -- for accepted <= shown.
  acceptance_rate numeric generated always as (
    case
      when coalesce(total_tabs_shown, 0) = 0 then 0
      else least(1, coalesce(total_tabs_accepted, 0)::numeric / total_tabs_shown)
    end
  ) stored,
  synced_at timestamptz not null default now(),
  primary key (developer_id, date)
);

create index daily_stats_date_idx on daily_stats (date);

create table sync_state (
  source text primary key,
  -- Every day up to the watermark is stored. Null before the first success.
  watermark date,
  last_attempt_at timestamptz,
  last_success_at timestamptz,
  consecutive_failures integer not null default 0,
  next_attempt_at timestamptz,
  state text not null default 'healthy' check (state in ('healthy', 'backing_off', 'degraded')),
  last_error text,
  last_run_id text,
  lease_owner text,
  lease_expires_at timestamptz
);

insert into sync_state (source) values ('cursor');

create table sync_runs (
  run_id text primary key,
  trigger text not null check (trigger in ('schedule', 'manual')),
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  window_start date,
  window_end date,
  developers integer not null default 0,
  rows_upserted integer not null default 0,
  rows_changed integer not null default 0,
  rows_rejected integer not null default 0,
  outcome text not null default 'running' check (outcome in ('running', 'success', 'failure', 'incomplete')),
  error text
);

create index sync_runs_started_at_idx on sync_runs (started_at);

create table rejected_records (
  id bigint generated always as identity primary key,
  run_id text not null,
  received_at timestamptz not null default now(),
  payload jsonb not null,
  reason text not null,
  -- How many times this payload was rejected; a repeat is counted, not stored again.
  times_rejected integer not null default 1,
  last_rejected_at timestamptz not null default now(),
  payload_hash text generated always as (md5(payload::text)) stored,
  unique (payload_hash, reason)
);

create index rejected_records_received_at_idx on rejected_records (received_at);
