/** The credentials of the embedded server that `npm start` runs on 127.0.0.1. */
export const EMBEDDED_DATABASE_USER = 'postgres';
export const EMBEDDED_DATABASE_PASSWORD = 'postgres';
export const EMBEDDED_DATABASE_NAME = 'postgres';

export function embeddedDatabaseUrl(port: number): string {
  return `postgres://${EMBEDDED_DATABASE_USER}:${EMBEDDED_DATABASE_PASSWORD}@127.0.0.1:${port}/${EMBEDDED_DATABASE_NAME}`;
}
