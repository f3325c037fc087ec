import { createTestDatabase, type TestDatabase } from '@steward/testing';
import type { DataSource } from 'typeorm';
import { openDatabase, preparedQuery } from './index.js';
import { notesDatabase } from '../test/notes-database.js';

const BY_ID = 'SELECT body FROM notes WHERE id = $1';

describe('preparedQuery', () => {
  let testDb: TestDatabase;
  let dataSource: DataSource;
  beforeAll(async () => {
    testDb = await createTestDatabase();
    // One connection, so that every call below meets the same prepared statement.
    dataSource = await openDatabase(notesDatabase, { url: testDb.url, migrate: true, poolSize: 1 });
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await testDb?.drop();
  });

  /** The plan the connection would run the statement with now. */
  const currentPlan = async () =>
    ((await dataSource.query(`EXPLAIN EXECUTE note_by_id('t-1')`)) as Array<{ 'QUERY PLAN': string }>)
      .map((line) => line['QUERY PLAN'])
      .join('\n');

  it('answers with the rows and counts what it changed', async () => {
    const inserted = await preparedQuery(dataSource, 'note_insert', 'INSERT INTO notes VALUES ($1, $2), ($3, $4)', [
      't-1',
      'refund',
      't-2',
      'login',
    ]);
    expect(inserted).toEqual({ rows: [], affected: 2 });
    const found = await preparedQuery<{ body: string }>(dataSource, 'note_by_id', BY_ID, ['t-2']);
    expect(found).toEqual({ rows: [{ body: 'login' }], affected: 1 });
  });

  it('plans a lookup again once its table has grown, instead of reading the whole table for good', async () => {
    // Only the plan's age may make Postgres plan again here (an ANALYZE would too).
    await dataSource.query('ALTER TABLE notes SET (autovacuum_enabled = off)');
    const keepPlans = { planLifetimeMs: Number.POSITIVE_INFINITY };
    await dataSource.query('ANALYZE notes'); // two rows: scanning the table is the cheapest plan
    for (let call = 0; call < 8; call++) await preparedQuery(dataSource, 'note_by_id', BY_ID, ['t-1'], keepPlans);
    expect(await currentPlan()).toContain('Seq Scan on notes');

    await dataSource.query(
      `INSERT INTO notes SELECT 'bulk-' || n, 'body ' || n FROM generate_series(1, 50000) AS n`,
    );
    // Within the plan's lifetime the connection keeps the plan it made.
    await preparedQuery(dataSource, 'note_by_id', BY_ID, ['t-1'], keepPlans);
    expect(await currentPlan()).toContain('Seq Scan on notes');

    // After it, the next call has the plan made again from the table as it is now.
    const found = await preparedQuery<{ body: string }>(dataSource, 'note_by_id', BY_ID, ['t-1'], {
      planLifetimeMs: 0,
    });
    expect(found.rows).toEqual([{ body: 'refund' }]);
    expect(await currentPlan()).toContain('Index Scan using notes_pkey');
  });

  it('gives a failed statement its error and keeps serving, on the same connection', async () => {
    const backend = async () => ((await dataSource.query('SELECT pg_backend_pid() AS pid')) as Array<{ pid: number }>)[0]!.pid;
    const before = await backend();
    await expect(
      preparedQuery(dataSource, 'note_insert', 'INSERT INTO notes VALUES ($1, $2), ($3, $4)', ['t-1', 'again', 't-9', 'x']),
    ).rejects.toThrow(/duplicate key/);
    const found = await preparedQuery<{ body: string }>(dataSource, 'note_by_id', BY_ID, ['t-1']);
    expect(found.rows).toEqual([{ body: 'refund' }]);
    expect(await backend()).toBe(before);
  });
});
