import { Controller, Get, Inject, Injectable, Module, type OnModuleDestroy } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { Bus, BusContext, DEAD_LETTER_STREAM, deadLetterSubject, JetStreamEventPattern, type DeadLetterRecord } from '@steward/bus';
import { stewardEnv } from '@steward/config';
import { DataSource, type MigrationInterface, type QueryRunner } from '@steward/db';
import { createTestDatabase, waitFor, type TestDatabase } from '@steward/testing';
import { once } from 'node:events';
import { connect } from 'node:net';
import { CONFIG, startService, type RunningService } from './index.js';

const STREAM = { name: 'RUNTIME_TEST', subjects: ['runtime-test.>', 'runtime-fail.>'], retention: 'limits' as const };

class CreateSeen1700000000000 implements MigrationInterface {
  name = 'CreateSeen1700000000000';
  async up(runner: QueryRunner) {
    await runner.query('CREATE TABLE seen (subject text PRIMARY KEY, body text NOT NULL)');
  }
  async down(runner: QueryRunner) {
    await runner.query('DROP TABLE seen');
  }
}

@Injectable()
class SeenStore {
  constructor(private readonly db: DataSource) {}
  record(subject: string, body: string) {
    return this.db.query('INSERT INTO seen (subject, body) VALUES ($1, $2) ON CONFLICT DO NOTHING', [subject, body]);
  }
}

@Controller()
class EchoController {
  constructor(
    private readonly store: SeenStore,
    @Inject(CONFIG) private readonly config: { LOG_LEVEL: string },
  ) {}

  @JetStreamEventPattern('runtime-test.>', { stream: STREAM.name, durable: 'runtime-test', ackWaitMs: 2000 })
  async onEvent(@Payload() body: { text: string }, @Ctx() context: BusContext) {
    await this.store.record(context.getSubject(), body.text);
  }

  @JetStreamEventPattern('runtime-fail.>', { stream: STREAM.name, durable: 'runtime-fail', maxDeliver: 1, ackWaitMs: 2000 })
  async onFailingEvent() {
    throw new Error('the database said no');
  }

  @Get('/level')
  level() {
    return { level: this.config.LOG_LEVEL };
  }

  @Get('/items/:id')
  item() {
    return {};
  }
}

@Module({ controllers: [EchoController], providers: [SeenStore] })
class EchoModule {}

const SLOW_STREAM = { name: 'RUNTIME_SLOW', subjects: ['runtime-slow.>'], retention: 'limits' as const };

/** Something a module closes at shutdown (a KV watcher, a client), used by a bus handler. */
@Injectable()
class SettingsWatcher implements OnModuleDestroy {
  open = true;
  onModuleDestroy() {
    this.open = false;
  }
}

/** What the slow handler saw when it finished: was the watcher it relies on still open? */
const slowHandler = { markStarted: () => {}, sawOpen: [] as boolean[] };
const slowHandlerStarted = new Promise<void>((resolve) => (slowHandler.markStarted = resolve));

@Controller()
class SlowController {
  constructor(private readonly watcher: SettingsWatcher) {}

  @JetStreamEventPattern('runtime-slow.>', { stream: SLOW_STREAM.name, durable: 'runtime-slow', ackWaitMs: 5000 })
  async onEvent() {
    slowHandler.markStarted();
    await new Promise((resolve) => setTimeout(resolve, 300));
    slowHandler.sawOpen.push(this.watcher.open);
  }
}

@Module({ controllers: [SlowController], providers: [SettingsWatcher] })
class SlowModule {}

describe('service runtime', () => {
  let database: TestDatabase;
  let service: RunningService<ReturnType<typeof stewardEnv.parse>> | undefined;

  const startEcho = () =>
    startService(
      {
        name: 'echo',
        configSchema: stewardEnv,
        module: () => EchoModule,
        streams: [STREAM],
        database: { schema: 'echo', entities: [], migrations: [CreateSeen1700000000000] },
        httpPort: () => 0,
      },
      {
        NATS_URL: process.env.NATS_URL,
        DATABASE_URL: database.url,
        STEWARD_LOCAL: '1',
        LOG_LEVEL: 'silent',
        OPS_PORT: '0',
      },
    );

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await service?.stop();
    await database.drop();
  });

  it('starts a service with its schema migrated, consumes from JetStream, serves HTTP and stops cleanly', async () => {
    service = await startEcho();

    expect((await fetch(`${service.ops.url}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${service.httpUrl}/level`)).json()).toEqual({ level: 'silent' });
    // What the router rejects before any handler still gets the house error shape.
    const tooLong = await fetch(`${service.httpUrl}/items/${'x'.repeat(500)}`);
    expect(tooLong.status).toBe(414);
    expect(await tooLong.json()).toEqual({ error: { code: 'uri_too_long', message: expect.any(String) } });
    const badUrl = await fetch(`${service.httpUrl}/items/%E0%A4%A`);
    expect(badUrl.status).toBe(400);
    expect(await badUrl.json()).toEqual({ error: { code: 'bad_url', message: expect.any(String) } });

    const publisher = await Bus.connect({ servers: process.env.NATS_URL!, name: 'test-publisher' });
    await publisher.publishJson('runtime-test.hello', { text: 'hi' }, { msgId: 'hello-1' });
    await publisher.drain();

    await waitFor(async () => (await service!.dataSource!.query('SELECT body FROM echo.seen')).length === 1, {
      timeoutMs: 5000,
    });
    expect(await service.dataSource!.query('SELECT subject, body FROM echo.seen')).toEqual([
      { subject: 'runtime-test.hello', body: 'hi' },
    ]);
    // The bus reports on the service's own /metrics.
    await waitFor(
      async () =>
        (await (await fetch(`${service!.ops.url}/metrics`)).text()).includes(
          `steward_bus_messages_acked_total{stream="${STREAM.name}",durable="runtime-test"} 1`,
        ),
      { timeoutMs: 5000, message: 'the ack counted on /metrics' },
    );

    // A handler's own error reaches the dead-letter record (not Nest's generic one).
    const inspector = await Bus.connect({ servers: process.env.NATS_URL!, name: 'test-dead-letters' });
    const reasons: string[] = [];
    const deadLetters = await inspector.consume(
      { stream: DEAD_LETTER_STREAM, durable: 'test-inspector', filterSubjects: [deadLetterSubject(STREAM.name, 'runtime-fail')] },
      (message) => {
        reasons.push(message.json<DeadLetterRecord>().error.message);
      },
    );
    await inspector.publishJson('runtime-fail.one', { text: 'x' }, { msgId: 'fail-1' });
    await waitFor(() => reasons.length === 1, { timeoutMs: 5000 });
    expect(reasons).toEqual(['the database said no']);
    await deadLetters.stop();
    await inspector.drain();

    const opsUrl = service.ops.url;
    await service.stop();
    service = undefined;
    await expect(fetch(`${opsUrl}/healthz`)).rejects.toThrow();
  });

  it('stops without waiting for clients to drop the connections they keep open', async () => {
    service = await startEcho();
    // A keep-alive connection that served a request, and connections that never sent one (a
    // browser's preconnect; a Prometheus scraper between scrapes): none of them may hold the stop.
    expect((await fetch(`${service.httpUrl}/level`)).status).toBe(200);
    const silent = [service.httpUrl!, service.ops.url].map((url) => {
      const { hostname, port } = new URL(url);
      return connect(Number(port), hostname);
    });
    await Promise.all(silent.map((socket) => once(socket, 'connect')));
    const closedByServer = silent.map((socket) => once(socket, 'close'));

    await service.stop();
    service = undefined;
    await Promise.all(closedByServer);
  });

  it('lets bus handlers in flight finish while the modules they use still run, also beside HTTP', async () => {
    service = await startService(
      {
        name: 'slow',
        configSchema: stewardEnv,
        module: () => SlowModule,
        streams: [SLOW_STREAM],
        httpPort: () => 0,
      },
      { NATS_URL: process.env.NATS_URL, LOG_LEVEL: 'silent', OPS_PORT: '0' },
    );
    await service.bus.publishJson('runtime-slow.one', {}, { msgId: 'slow-1' });
    await slowHandlerStarted;

    await service.stop();
    service = undefined;
    expect(slowHandler.sawOpen).toEqual([true]);
  });

  it('refuses to start with bad configuration, naming the variable', async () => {
    await expect(
      startService({ name: 'echo', configSchema: stewardEnv, module: () => EchoModule }, { NATS_URL: 'nope' }),
    ).rejects.toThrow(/NATS_URL must be nats:\/\/host:port/);
  });
});
