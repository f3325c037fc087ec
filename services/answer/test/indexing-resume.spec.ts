import pg from 'pg';
import { Bus } from '@steward/bus';
import { Rpc, type RpcReply } from '@steward/contracts';
import { createTestDatabase, resetJetStream, waitFor, type TestDatabase } from '@steward/testing';
import { startAnswerService } from './harness.js';

describe('knowledge indexing after a crash', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    await resetJetStream();
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await database?.drop();
  });

  const startAnswer = (settings: Record<string, string> = {}) => startAnswerService(database.url, settings);

  it('indexes at start the documents a crash left pending or half-indexed', async () => {
    // The first run only migrates the schema; the rows below are what a crash leaves behind.
    await (await startAnswer()).stop();
    const rows = await database.query<{ id: string }>(
      `INSERT INTO answer.documents (tenant_id, title, content, status)
       VALUES ('tenant-crash', 'Shipping', 'We ship worldwide within two days.', 'indexing'),
              ('tenant-crash', 'Returns', 'Returns are free for thirty days.', 'pending')
       RETURNING id`,
    );

    const service = await startAnswer();
    const bus = await Bus.connect({ servers: process.env.NATS_URL!, name: 'indexing-resume-test' });
    try {
      const views = await waitFor(
        async () => {
          const { documents } = await bus.requestJson<RpcReply<'knowledgeList'>>(Rpc.knowledgeList.subject, {
            tenantId: 'tenant-crash',
          });
          return documents.every((document) => document.status === 'indexed') ? documents : undefined;
        },
        { timeoutMs: 5_000, message: 'both documents indexed' },
      );
      // Both rows were inserted by one statement (same created_at), so compare them by id.
      const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
      expect(views.map((view) => ({ id: view.id, chunks: view.chunkCount, progress: view.progress })).sort(byId)).toEqual(
        rows.map((row) => ({ id: row.id, chunks: 1, progress: 1 })).sort(byId),
      );
    } finally {
      await bus.drain();
      await service.stop();
    }
  });

  /**
   * A rolling deploy: the new pod starts (and looks for unfinished documents) before the old one
   * stops and drops its queue, or dies in the middle of a document. The running service finds
   * them later, without a restart, and leaves alone a document another replica is indexing.
   */
  it('indexes, while running, the documents a replica that went away left pending or half-indexed', async () => {
    const tenantId = 'tenant-rolled';
    const service = await startAnswer({ ANSWER_INDEXING_SWEEP_INTERVAL_MS: '100' });
    const bus = await Bus.connect({ servers: process.env.NATS_URL!, name: 'indexing-sweep-test' });
    // The other replica: it is indexing "Shipping" (holding the document's lock) when it is killed.
    const replica = new pg.Client({ connectionString: database.url });
    await replica.connect();
    try {
      // Inserted after the service's start, so only a later look can find them.
      const [shipping] = await database.query<{ id: string }>(
        `INSERT INTO answer.documents (tenant_id, title, content, status, progress, created_at, updated_at)
         VALUES ($1, 'Shipping', 'We ship worldwide within two days.', 'indexing', 0.5,
                 now() - interval '3 minutes', now() - interval '2 minutes'),
                ($1, 'Returns', 'Returns are free for thirty days.', 'pending', 0,
                 now() - interval '2 minutes', now() - interval '2 minutes'),
                ($1, 'Warranty', 'Every device has a two-year warranty.', 'pending', 0, now(), now())
         RETURNING id`,
        [tenantId],
      );
      await replica.query(`SELECT pg_advisory_lock(hashtext('answer:index:' || $1))`, [shipping!.id]);
      const statuses = async () => {
        const { documents } = await bus.requestJson<RpcReply<'knowledgeList'>>(Rpc.knowledgeList.subject, {
          tenantId,
        });
        return Object.fromEntries(documents.map((document) => [document.title, document.status]));
      };

      // "Returns", queued on the replica that went away, is indexed here; "Shipping" comes first
      // (older), so it was tried too and left to the replica holding it.
      await waitFor(async () => (await statuses()).Returns === 'indexed', {
        timeoutMs: 5_000,
        message: 'the pending document indexed without a restart',
      });
      expect(await statuses()).toEqual({ Shipping: 'indexing', Returns: 'indexed', Warranty: 'pending' });

      // The replica is killed: its connection, and with it the lock, is gone.
      await replica.end();
      await waitFor(async () => (await statuses()).Shipping === 'indexed', {
        timeoutMs: 5_000,
        message: 'the half-indexed document indexed without a restart',
      });
      const search = await bus.requestJson<RpcReply<'knowledgeSearch'>>(Rpc.knowledgeSearch.subject, {
        tenantId,
        query: 'Do you ship worldwide?',
        limit: 3,
      });
      expect(search.passages.map((passage) => passage.title)).toContain('Shipping');
      // Just added on a replica still running, so still in its queue: not this one's to take.
      expect(await statuses()).toMatchObject({ Warranty: 'pending' });
    } finally {
      await replica.end().catch(() => undefined);
      await bus.drain();
      await service.stop();
    }
  });
});
