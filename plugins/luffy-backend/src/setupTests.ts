// Database tests run on SQLite and on PostgreSQL (see src/tests/databases.ts). Default to the
// local server (127.0.0.1:5432, trust auth) unless the environment names another one.
process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING ??=
  'postgresql://postgres@127.0.0.1:5432';
