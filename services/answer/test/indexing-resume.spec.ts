import { Bus } from '@steward/bus';
import { Rpc, type RpcReply } from '@steward/contracts';
import { startService } from '@steward/runtime';
import { createTestDatabase, resetJetStream, waitFor, type TestDatabase } from '@steward/testing';
import { answerService } from '../src/service.js';

describe('knowledge indexing after a crash', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    await resetJetStream();
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('indexes at start the documents a crash left pending or half-indexed', async () => {
    const env = {
      NATS_URL: process.env.NATS_URL,
      DATABASE_URL: database.url,
      STEWARD_LOCAL: '1',
      LOG_LEVEL: 'silent',
      OPS_PORT: '0',
    };
    // The first run only migrates the schema; the rows below are what a crash leaves behind.
    await (await startService(answerService, env)).stop();
    const rows = await database.query<{ id: string }>(
      `INSERT INTO answer.documents (tenant_id, title, content, status)
       VALUES ('tenant-crash', 'Shipping', 'We ship worldwide within two days.', 'indexing'),
              ('tenant-crash', 'Returns', 'Returns are free for thirty days.', 'pending')
       RETURNING id`,
    );

    const service = await startService(answerService, env);
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
});
