import postgres from 'postgres';

export type Sql = postgres.Sql;
export type TransactionSql = postgres.TransactionSql;

export interface ConnectOptions {
  /** Connections in the pool; the sync needs one, the health check one. */
  maxConnections?: number;
  connectTimeoutSeconds?: number;
  /** Name shown in pg_stat_activity. */
  applicationName?: string;
}

const DATE_OID = 1082;

/**
 * Opens a connection pool. `sslmode` in the URL is honored by the driver.
 * Dates are kept as `YYYY-MM-DD` strings, because a JavaScript Date would put
 * a UTC day into the local time zone.
 */
export function connect(databaseUrl: string, options: ConnectOptions = {}): Sql {
  return postgres(databaseUrl, {
    max: options.maxConnections ?? 2,
    connect_timeout: options.connectTimeoutSeconds ?? 10,
    // Invocations come every minute, so a connection idle for two minutes
    // belongs to a container that was frozen or is winding down: close it
    // rather than trust it after the thaw.
    idle_timeout: 120,
    // The driver's default waits up to 20 s between connection attempts after
    // repeated failures, and meanwhile fails queries with the old error, so a
    // database back after a restart would stay unusable for that long.
    backoff: (retries: number) => Math.min(0.1 * 2 ** Math.max(0, retries - 1), 2),
    onnotice: () => {},
    connection: { application_name: options.applicationName ?? 'cursor-usage-aggregator' },
    types: {
      date: {
        to: DATE_OID,
        from: [DATE_OID],
        serialize: (value: string) => value,
        parse: (value: string) => value,
      },
    },
  });
}

/** Returns the URL with its password masked, for messages and logs. */
export function redactDatabaseUrl(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password !== '') {
      url.password = '***';
    }
    return `${url.protocol}//${url.username}${url.password ? ':***' : ''}@${url.host}${url.pathname}`;
  } catch {
    return '(unparsable database URL)';
  }
}
