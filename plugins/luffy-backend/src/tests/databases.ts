import type { TestDatabaseId } from '@backstage/backend-test-utils';

/**
 * The engines every database test runs on: SQLite (the embedded default) and PostgreSQL.
 * PostgreSQL is reached through BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING (set by
 * src/setupTests.ts to the local 127.0.0.1:5432 server unless already set; TestDatabases
 * creates and drops a throw-away database per run).
 */
export const luffyTestDatabaseIds: TestDatabaseId[] = [
  'SQLITE_3',
  'POSTGRES_15',
];
