import 'reflect-metadata';
import { Module, type DynamicModule, type INestApplication, type INestMicroservice, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Bus, JetStreamTransport, type BucketSpec, type StreamSpec } from '@steward/bus';
import { loadConfig, type StewardEnv, type z } from '@steward/config';
import type { DataSource, ServiceDatabase } from '@steward/db';
import {
  createLogger,
  drainConnectionsOnShutdown,
  metricsRegistry,
  NestPinoLogger,
  startOpsServer,
  startTelemetry,
  stopTelemetry,
  type Logger,
  type OpsServer,
} from '@steward/telemetry';
import { frameworkErrorReply } from './framework-errors.js';
import { PassThroughRpcFilter } from './pass-through-rpc.filter.js';
import { RuntimeModule } from './runtime.module.js';
import { stopStep } from './stop-step.js';

export interface ServiceDefinition<C extends StewardEnv> {
  /** Service name: logs, metrics, NATS connection name, trace resource. */
  name: string;
  /** The environment schema (usually `stewardEnv.extend({...})`). */
  configSchema: z.ZodType<C>;
  /** The service's root module, built from its configuration. */
  module: (config: C) => Type | DynamicModule;
  /** Streams and buckets the service needs, declared idempotently at start. */
  streams?: StreamSpec[];
  buckets?: BucketSpec[];
  /** The service's own Postgres schema; requires DATABASE_URL. */
  database?: ServiceDatabase;
  /** Serve HTTP (Fastify) on this port as well as bus handlers. */
  httpPort?: (config: C) => number;
  /** Keep the raw request body (signature verification). */
  rawBody?: boolean;
  /** Largest accepted request body in bytes (default 1 MiB). */
  bodyLimit?: number;
  /** Configures the HTTP application before it listens (OpenAPI documents, static files). */
  configureHttp?: (app: NestFastifyApplication, config: C) => void | Promise<void>;
  /** Runs once the application is up, before "service ready" (e.g. to add readiness checks). */
  onStarted?: (service: RunningService<C>) => void | Promise<void>;
}

export interface RunningService<C> {
  config: C;
  logger: Logger;
  bus: Bus;
  dataSource?: DataSource;
  ops: OpsServer;
  app: INestApplication | INestMicroservice;
  /** The HTTP address when the service serves HTTP. */
  httpUrl?: string;
  /** Graceful stop: consumers finish in-flight work, then connections close. */
  stop(): Promise<void>;
}

/**
 * Starts a service: configuration, telemetry, logs, ops endpoints, bus, database (migrated in
 * local mode or when STEWARD_MIGRATE_ON_START=1), the Nest application with its JetStream
 * handlers, and finally the "service ready" line.
 */
export async function startService<C extends StewardEnv>(
  definition: ServiceDefinition<C>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningService<C>> {
  const config = loadConfig(definition.configSchema, env);
  startTelemetry({ serviceName: definition.name, otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  const logger = createLogger({ service: definition.name, level: config.LOG_LEVEL });
  const ops = await startOpsServer({ port: config.OPS_PORT, logger });

  const bus = await Bus.connect({ servers: config.NATS_URL.split(','), name: definition.name, logger, metricsRegistry });
  await bus.ensureStreams(definition.streams ?? []);
  await bus.ensureBuckets(definition.buckets ?? []);
  ops.addReadinessCheck('nats', () => {
    if (bus.isClosed) throw new Error('NATS connection closed');
  });

  let dataSource: DataSource | undefined;
  if (definition.database) {
    if (!config.DATABASE_URL) throw new Error(`${definition.name} needs DATABASE_URL`);
    const migrateOnStart = config.STEWARD_LOCAL || env.STEWARD_MIGRATE_ON_START === '1';
    // Loaded only by services with a schema: TypeORM with all its drivers is some 15 MB of
    // heap that the gateway, egress and interactions would carry for nothing.
    const { openDatabase } = await import('@steward/db');
    dataSource = await openDatabase(definition.database, { url: config.DATABASE_URL, migrate: migrateOnStart, logger });
    const ds = dataSource;
    ops.addReadinessCheck('postgres', async () => {
      await ds.query('SELECT 1');
    });
  }

  @Module({
    imports: [
      RuntimeModule.register({ name: definition.name, config, logger, bus, dataSource }),
      definition.module(config),
    ],
  })
  class ServiceRootModule {}

  const nestLogger = new NestPinoLogger(logger.child({ component: 'nest' }));
  const transport = new JetStreamTransport({ bus });
  let app: INestApplication | INestMicroservice;
  let httpUrl: string | undefined;
  let httpConnections: { drain(): void } | undefined;
  if (definition.httpPort) {
    const { FastifyAdapter } = await import('@nestjs/platform-fastify');
    const httpApp = await NestFactory.create<NestFastifyApplication>(
      ServiceRootModule,
      new FastifyAdapter({
        bodyLimit: definition.bodyLimit ?? 1024 * 1024,
        trustProxy: config.TRUST_PROXY,
        routerOptions: { ignoreTrailingSlash: true },
        frameworkErrors: frameworkErrorReply,
      }),
      { logger: nestLogger, rawBody: definition.rawBody ?? false, abortOnError: false },
    );
    // Not inheriting the HTTP app's global filters: bus handlers keep their own errors.
    httpApp
      .connectMicroservice({ strategy: transport }, { inheritAppConfig: false, deferInitialization: true })
      .useGlobalFilters(new PassThroughRpcFilter());
    await definition.configureHttp?.(httpApp, config);
    await httpApp.startAllMicroservices();
    httpConnections = drainConnectionsOnShutdown(httpApp.getHttpServer());
    await httpApp.listen(definition.httpPort(config), env.HTTP_HOST || '0.0.0.0');
    const address = httpApp.getHttpServer().address();
    httpUrl = typeof address === 'object' && address ? `http://127.0.0.1:${address.port}` : undefined;
    app = httpApp;
  } else {
    const microservice = await NestFactory.createMicroservice(ServiceRootModule, {
      strategy: transport,
      logger: nestLogger,
      abortOnError: false,
    });
    microservice.useGlobalFilters(new PassThroughRpcFilter());
    await microservice.listen();
    app = microservice;
  }

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      logger.info('stopping: finishing in-flight work');
      // Keep-alive connections end with the requests they carry, or Fastify's close would wait
      // for the clients to drop them.
      httpConnections?.drain();
      // Bus handlers stop taking messages and finish those in flight while the modules they
      // use still run: beside HTTP, Nest would run the modules' shutdown hooks first.
      await stopStep(logger, 'bus handlers to finish the messages in flight', () => transport.close());
      await stopStep(logger, "the modules' shutdown hooks and HTTP requests in flight", () => app.close());
      await stopStep(logger, 'NATS to drain', () => bus.drain());
      await stopStep(logger, 'Postgres connections to close', async () => dataSource?.destroy());
      await stopStep(logger, 'the ops server to close', () => ops.close());
      await stopStep(logger, 'traces to be exported', () => stopTelemetry());
      logger.info('stopped');
      logger.flush();
    })());

  const running: RunningService<C> = { config, logger, bus, dataSource, ops, app, httpUrl, stop };
  await definition.onStarted?.(running);
  ops.markReady(httpUrl ? { httpUrl } : {});
  return running;
}

/**
 * The body of every `services/<name>/src/main.ts`: starts the service, stops it gracefully on
 * SIGTERM/SIGINT (Kubernetes, Ctrl-C), and exits non-zero on a start-up failure with one line.
 */
export async function runService<C extends StewardEnv>(definition: ServiceDefinition<C>): Promise<void> {
  let service: RunningService<C>;
  try {
    service = await startService(definition);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${definition.name}: failed to start: ${message}\n`);
    if (process.env.LOG_LEVEL === 'debug' && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  }
  let signals = 0;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (++signals > 1) process.exit(1);
      service.stop().then(
        () => process.exit(0),
        (error) => {
          service.logger.error({ err: error }, 'unclean stop');
          process.exit(1);
        },
      );
    });
  }
  process.on('unhandledRejection', (reason) => {
    service.logger.fatal({ err: reason }, 'unhandled rejection; exiting so the supervisor restarts the service');
    process.exit(1);
  });
}
