import { createTestDatabase, type TestDatabase } from '@steward/testing';
import { Column, Entity, PrimaryColumn, type DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';
import { openDatabase, preparedQuery, type ServiceDatabase } from './index.js';

@Entity({ name: 'tickets' })
class Ticket {
  @PrimaryColumn() id!: string;
  @Column() subject!: string;
}

class CreateTickets1700000000000 implements MigrationInterface {
  name = 'CreateTickets1700000000000';
  async up(runner: QueryRunner) {
    await runner.query(`CREATE TABLE tickets (id text PRIMARY KEY, subject text NOT NULL)`);
  }
  async down(runner: QueryRunner) {
    await runner.query(`DROP TABLE tickets`);
  }
}

const database: ServiceDatabase = { schema: 'tickets_service', entities: [Ticket], migrations: [CreateTickets1700000000000] };
const BY_ID = 'SELECT subject FROM tickets WHERE id = $1';

describe('preparedQuery', () => {
  let testDb: TestDatabase;
  let dataSource: DataSource;
  beforeAll(async () => {
    testDb = await createTestDatabase();
    // One connection, so that every call below meets the same prepared statement.
    dataSource = await openDatabase(database, { url: testDb.url, migrate: true, poolSize: 1 });
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await testDb?.drop();
  });

  /** The plan the connection would run the statement with now. */
  const currentPlan = async () =>
    ((await dataSource.query(`EXPLAIN EXECUTE ticket_by_id('t-1')`)) as Array<{ 'QUERY PLAN': string }>)
      .map((line) => line['QUERY PLAN'])
      .join('\n');

  it('answers with the rows and counts what it changed', async () => {
    const inserted = await preparedQuery(dataSource, 'ticket_insert', 'INSERT INTO tickets VALUES ($1, $2), ($3, $4)', [
      't-1',
      'refund',
      't-2',
      'login',
    ]);
    expect(inserted).toEqual({ rows: [], affected: 2 });
    const found = await preparedQuery<{ subject: string }>(dataSource, 'ticket_by_id', BY_ID, ['t-2']);
    expect(found).toEqual({ rows: [{ subject: 'login' }], affected: 1 });
  });

  it('plans a lookup again once its table has grown, instead of reading the whole table for good', async () => {
    await dataSource.query('ANALYZE tickets'); // two rows: scanning the table is the cheapest plan
    for (let call = 0; call < 8; call++) await preparedQuery(dataSource, 'ticket_by_id', BY_ID, ['t-1']);
    expect(await currentPlan()).toContain('Seq Scan on tickets');

    await dataSource.query(
      `INSERT INTO tickets SELECT 'bulk-' || n, 'subject ' || n FROM generate_series(1, 50000) AS n`,
    );
    // Within the plan's lifetime the connection keeps the plan it made.
    await preparedQuery(dataSource, 'ticket_by_id', BY_ID, ['t-1']);
    expect(await currentPlan()).toContain('Seq Scan on tickets');

    // After it, the next call has the plan made again from the table as it is now.
    const found = await preparedQuery<{ subject: string }>(dataSource, 'ticket_by_id', BY_ID, ['t-1'], {
      planLifetimeMs: 0,
    });
    expect(found.rows).toEqual([{ subject: 'refund' }]);
    expect(await currentPlan()).toContain('Index Scan using tickets_pkey');
  });

  it('gives a failed statement its error and keeps serving', async () => {
    await expect(
      preparedQuery(dataSource, 'ticket_insert', 'INSERT INTO tickets VALUES ($1, $2), ($3, $4)', ['t-1', 'again', 't-9', 'x']),
    ).rejects.toThrow(/duplicate key/);
    const found = await preparedQuery<{ subject: string }>(dataSource, 'ticket_by_id', BY_ID, ['t-1']);
    expect(found.rows).toEqual([{ subject: 'refund' }]);
  });
});
