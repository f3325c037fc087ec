import {
  jetstream,
  jetstreamManager,
  JetStreamApiCodes,
  RetentionPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type StreamConfig,
  type StreamInfo,
} from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import type { Registry } from 'prom-client';
import {
  DEAD_LETTER_STREAM,
  deadLetterSubject,
  isApiError,
  startConsumer,
  type ConsumerHandle,
  type DeadLetterRecord,
  type MessageHandler,
} from './consumer.js';
import { AckedPublisher } from './acked-publisher.js';
import { RpcError, RpcErrorCode } from './errors.js';
import { toMsgHdrs, type HeaderRecord } from './headers.js';
import { silentLogger, type BusLogger } from './logger.js';
import { encodeJson, type InboundMessage } from './message.js';
import { busMetrics, type BusMetrics } from './metrics.js';
import {
  request,
  serve,
  type RequestOptions,
  type RpcHandler,
  type ServeHandle,
  type ServeOptions,
} from './rpc.js';
import {
  bucketSpecSchema,
  connectOptionsSchema,
  consumeOptionsSchema,
  streamSpecSchema,
  validate,
  type BucketSpec,
  type ConsumeOptions,
  type StreamSpec,
} from './specs.js';
import { SpanKind, withOutgoingSpan } from './tracing.js';

export interface BusConnectOptions {
  /** NATS server URL(s), e.g. `nats://127.0.0.1:4222`. */
  servers: string | string[];
  /** Connection name, usually the service name. */
  name: string;
  logger?: BusLogger;
  /** Retention of dead-letter records (default 14 days). */
  deadLetterMaxAgeMs?: number;
  /** Prometheus registry for the bus metrics (a service passes its /metrics registry). */
  metricsRegistry?: Registry;
}

export interface PublishOptions {
  /** Deduplication id: the stream stores a repeated id within its duplicate window once. */
  msgId?: string;
  headers?: HeaderRecord;
  timeoutMs?: number;
}

export interface PublishResult {
  stream: string;
  seq: number;
  /** True when the stream already had a message with this `msgId` and did not store it again. */
  duplicate: boolean;
}

const DEFAULT_DEAD_LETTER_MAX_AGE_MS = 14 * 24 * 60 * 60 * 1000;
/** How long a publish waits for JetStream's acknowledgement unless told otherwise (as nats.js). */
const DEFAULT_PUBLISH_TIMEOUT_MS = 5_000;
const SERVER_DEFAULT_DUPLICATE_WINDOW_MS = 2 * 60 * 1000;
/** nats-server's default max_payload, for the moment before the server has said its own. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

/** JetStream's default window, shortened to the stream's max age (it may not be longer). */
function defaultDuplicateWindowMs(maxAgeMs: number | undefined): number {
  return Math.min(SERVER_DEFAULT_DUPLICATE_WINDOW_MS, maxAgeMs ?? Infinity);
}

/**
 * One NATS connection with what Steward services do over it: declare streams and buckets,
 * publish to JetStream, consume durably with explicit acks, request/reply, KV.
 */
export class Bus {
  private readonly consumers = new Set<ConsumerHandle>();
  private readonly responders = new Set<ServeHandle>();
  private readonly kvm: Kvm;
  private readonly publisher: AckedPublisher;
  private deadLetterStream?: Promise<unknown>;
  private draining?: Promise<void>;

  private constructor(
    /** The underlying connection, for the rare need the bus does not cover. */
    readonly connection: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    private readonly logger: BusLogger,
    private readonly deadLetterMaxAgeMs: number,
    private readonly metrics: BusMetrics,
  ) {
    this.kvm = new Kvm(js);
    this.publisher = new AckedPublisher(connection, logger);
  }

  /**
   * The largest message, headers included, the server accepts: what it said at connect (again
   * after a reconnect, maybe to another server), or nats-server's default before it has.
   */
  get maxPayload(): number {
    return this.connection.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
  }

  static async connect(options: BusConnectOptions): Promise<Bus> {
    const { servers, name, deadLetterMaxAgeMs } = validate(
      connectOptionsSchema,
      options,
      'bus connection options',
    );
    const logger = options.logger ?? silentLogger;
    // Services keep trying to reconnect for as long as they run; JetStream redelivers meanwhile.
    // noAsyncTraces: the client would otherwise build two Error objects (stack capture) per
    // request just in case it fails, a measurable share of every service's CPU under load;
    // RpcError names the subject of a failed request instead.
    const connection = await connect({ servers, name, maxReconnectAttempts: -1, noAsyncTraces: true });
    logger.info({ server: connection.getServer(), name }, 'connected to NATS');
    void Bus.logStatus(connection, logger);
    const jsm = await jetstreamManager(connection);
    return new Bus(
      connection,
      jetstream(connection),
      jsm,
      logger,
      deadLetterMaxAgeMs ?? DEFAULT_DEAD_LETTER_MAX_AGE_MS,
      busMetrics(options.metricsRegistry),
    );
  }

  private static async logStatus(connection: NatsConnection, logger: BusLogger): Promise<void> {
    for await (const status of connection.status()) {
      if (status.type === 'disconnect' || status.type === 'error')
        logger.warn({ status }, 'NATS connection trouble');
      else if (status.type === 'reconnect') logger.info({ status }, 'reconnected to NATS');
    }
  }

  get isClosed(): boolean {
    return this.connection.isClosed();
  }

  /** Creates each stream, or updates it to match the spec. Safe to call on every start. */
  async ensureStreams(specs: StreamSpec[]): Promise<StreamInfo[]> {
    const infos: StreamInfo[] = [];
    for (const spec of specs) infos.push(await this.ensureStream(spec));
    return infos;
  }

  private async ensureStream(input: StreamSpec): Promise<StreamInfo> {
    const spec = validate(streamSpecSchema, input, `stream spec ${JSON.stringify(input?.name)}`);
    const wanted: Partial<StreamConfig> = {
      subjects: spec.subjects,
      max_age: spec.maxAgeMs === undefined ? 0 : nanos(spec.maxAgeMs),
      max_bytes: spec.maxBytes ?? -1,
      num_replicas: spec.replicas ?? 1,
      duplicate_window: nanos(spec.duplicateWindowMs ?? defaultDuplicateWindowMs(spec.maxAgeMs)),
    };
    let current: StreamInfo;
    try {
      current = await this.jsm.streams.info(spec.name);
    } catch (error) {
      if (!isApiError(error, JetStreamApiCodes.StreamNotFound)) throw error;
      this.logger.info({ stream: spec.name }, 'creating stream');
      return this.jsm.streams.add({ name: spec.name, retention: retentionPolicy(spec.retention), ...wanted });
    }
    if (current.config.retention !== spec.retention) {
      throw new Error(
        `Stream ${spec.name} has retention "${current.config.retention}" but the spec asks for "${spec.retention}"; ` +
          'JetStream cannot change retention in place (delete the stream, or keep its retention)',
      );
    }
    const changed = (Object.keys(wanted) as (keyof StreamConfig)[]).filter(
      (key) => JSON.stringify(current.config[key]) !== JSON.stringify(wanted[key]),
    );
    if (changed.length === 0) return current;
    this.logger.info({ stream: spec.name, changed }, 'updating stream');
    return this.jsm.streams.update(spec.name, wanted);
  }

  /** Creates each KV bucket, or updates its TTL and history to match. Safe to call on every start. */
  async ensureBuckets(specs: BucketSpec[]): Promise<void> {
    for (const input of specs) {
      const spec = validate(bucketSpecSchema, input, `bucket spec ${JSON.stringify(input?.name)}`);
      const history = spec.history ?? 1;
      const ttlMs = spec.ttlMs ?? 0;
      const kv = await this.kvm.create(spec.name, { history, ttl: ttlMs });
      const status = await kv.status();
      if (status.history !== history || status.ttl !== ttlMs) {
        this.logger.info({ bucket: spec.name, history, ttlMs }, 'updating bucket');
        await this.jsm.streams.update(status.streamInfo.config.name, {
          max_msgs_per_subject: history,
          max_age: nanos(ttlMs),
          duplicate_window: nanos(defaultDuplicateWindowMs(ttlMs || undefined)),
        });
      }
    }
  }

  /** Publishes to JetStream and waits for the stream to store it. */
  async publish(
    subject: string,
    data: Uint8Array | string,
    options: PublishOptions = {},
  ): Promise<PublishResult> {
    assertSubject(subject);
    const headers = toMsgHdrs(options.headers);
    if (options.msgId) headers.set('Nats-Msg-Id', options.msgId);
    const payload = typeof data === 'string' ? Buffer.from(data) : data;
    const started = performance.now();
    const ack = await withOutgoingSpan(
      `publish ${subject}`,
      SpanKind.PRODUCER,
      {
        'messaging.system': 'nats',
        'messaging.operation.type': 'send',
        'messaging.destination.name': subject,
        ...(options.msgId ? { 'messaging.message.id': options.msgId } : {}),
      },
      headers,
      () => this.publisher.publish(subject, payload, headers, options.timeoutMs || DEFAULT_PUBLISH_TIMEOUT_MS),
    ).catch((error: unknown) => {
      this.metrics.published.inc({ stream: 'unknown', result: 'error' });
      throw error;
    });
    this.metrics.publishDuration.observe({ stream: ack.stream }, (performance.now() - started) / 1_000);
    this.metrics.published.inc({ stream: ack.stream, result: ack.duplicate ? 'duplicate' : 'stored' });
    return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
  }

  publishJson(subject: string, value: unknown, options: PublishOptions = {}): Promise<PublishResult> {
    return this.publish(subject, encodeJson(value), {
      ...options,
      headers: { 'Content-Type': 'application/json', ...options.headers },
    });
  }

  /**
   * Runs `handler` for each message of a durable pull consumer (created or updated to match
   * `options`). The message is acked when the handler resolves; when it throws it is retried
   * after the backoff, and dead-lettered on `PermanentError` or after `maxDeliver` attempts.
   */
  async consume(options: ConsumeOptions, handler: MessageHandler): Promise<ConsumerHandle> {
    this.assertOpen();
    const resolved = validate(
      consumeOptionsSchema,
      options,
      `consumer options for ${JSON.stringify(options?.durable)}`,
    );
    await this.ensureDeadLetterStream();
    const handle = await startConsumer(
      {
        js: this.js,
        jsm: this.jsm,
        logger: this.logger,
        metrics: this.metrics,
        deadLetter: (record) => this.publishDeadLetter(record),
        maxPayload: () => this.maxPayload,
      },
      resolved,
      handler,
    );
    const tracked: ConsumerHandle = {
      stream: handle.stream,
      durable: handle.durable,
      stop: async () => {
        await handle.stop();
        this.consumers.delete(tracked);
      },
    };
    this.consumers.add(tracked);
    return tracked;
  }

  private ensureDeadLetterStream(): Promise<unknown> {
    this.deadLetterStream ??= this.ensureStream({
      name: DEAD_LETTER_STREAM,
      subjects: ['dead.>'],
      retention: 'limits',
      maxAgeMs: this.deadLetterMaxAgeMs,
    }).catch((error: unknown) => {
      this.deadLetterStream = undefined;
      throw error;
    });
    return this.deadLetterStream;
  }

  private async publishDeadLetter(record: DeadLetterRecord): Promise<void> {
    await this.publishJson(deadLetterSubject(record.stream, record.durable), record, {
      // A crash between recording and terminating redelivers the message; the id keeps one record.
      msgId: `${record.stream}.${record.durable}.${record.streamSequence}`,
    });
  }

  /** Sends a core NATS request and waits for the reply; throws RpcError on failure or timeout. */
  request(subject: string, data: Uint8Array | string, options?: RequestOptions): Promise<InboundMessage> {
    assertSubject(subject);
    return request(this.connection, this.metrics, subject, data, options);
  }

  async requestJson<T = unknown>(subject: string, body: unknown, options: RequestOptions = {}): Promise<T> {
    const reply = await this.request(subject, encodeJson(body), {
      ...options,
      headers: { 'Content-Type': 'application/json', ...options.headers },
    });
    return reply.json<T>();
  }

  /** Answers requests on `subject` in a queue group (default: the subject) shared by replicas. */
  serve(subject: string, handler: RpcHandler, options?: ServeOptions): ServeHandle {
    this.assertOpen();
    assertSubject(subject, { wildcards: true });
    const handle = serve(this.connection, this.logger, this.metrics, subject, handler, options);
    const tracked: ServeHandle = {
      subject,
      stop: async () => {
        await handle.stop();
        this.responders.delete(tracked);
      },
    };
    this.responders.add(tracked);
    return tracked;
  }

  /** Like `serve`, with the request body parsed as JSON and the result sent as JSON. */
  serveJson<Req = unknown, Res = unknown>(
    subject: string,
    handler: (body: Req, request: InboundMessage) => Promise<Res> | Res,
    options?: ServeOptions,
  ): ServeHandle {
    return this.serve(
      subject,
      async (request) => {
        let body: Req;
        try {
          body = request.json<Req>();
        } catch {
          throw new RpcError(RpcErrorCode.BadRequest, `request body of ${subject} is not valid JSON`);
        }
        return encodeJson((await handler(body, request)) ?? null);
      },
      options,
    );
  }

  /** Opens an existing KV bucket (declare it with ensureBuckets). */
  kv(bucket: string): Promise<KV> {
    validate(bucketSpecSchema.shape.name, bucket, 'bucket name');
    return this.kvm.open(bucket);
  }

  async getJson<T = unknown>(bucket: string, key: string): Promise<T | undefined> {
    const entry = await (await this.kv(bucket)).get(key);
    if (!entry || entry.operation !== 'PUT') return undefined;
    return entry.json<T>();
  }

  /** Stores `value` as JSON and returns the entry's revision. */
  async putJson(bucket: string, key: string, value: unknown): Promise<number> {
    return (await this.kv(bucket)).put(key, encodeJson(value));
  }

  /**
   * Graceful shutdown: stops consumers and responders, waits for their handlers in flight,
   * then drains the connection (pending acks and publishes are flushed). Idempotent.
   */
  drain(): Promise<void> {
    this.draining ??= (async () => {
      await Promise.all([...this.consumers].map((consumer) => consumer.stop()));
      await Promise.all([...this.responders].map((responder) => responder.stop()));
      if (!this.connection.isClosed()) await this.connection.drain();
      this.logger.info({}, 'NATS connection drained');
    })();
    return this.draining;
  }

  private assertOpen(): void {
    if (this.draining || this.connection.isClosed()) throw new Error('The bus is draining or closed');
  }
}

function retentionPolicy(retention: StreamSpec['retention']): StreamConfig['retention'] {
  switch (retention) {
    case 'limits':
      return RetentionPolicy.Limits;
    case 'workqueue':
      return RetentionPolicy.Workqueue;
    case 'interest':
      return RetentionPolicy.Interest;
  }
}

function assertSubject(subject: string, { wildcards = false } = {}): void {
  const forbidden = wildcards ? /\s/ : /[\s*>]/;
  if (
    typeof subject !== 'string' ||
    forbidden.test(subject) ||
    subject === '' ||
    subject.startsWith('.') ||
    subject.endsWith('.') ||
    subject.includes('..')
  ) {
    const rule = wildcards ? 'no whitespace' : 'no whitespace or wildcards';
    throw new Error(`Invalid subject ${JSON.stringify(subject)}: non-empty dot-separated tokens, ${rule}`);
  }
}
