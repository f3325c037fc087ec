// Durable pull consumers with explicit acks: ack after the handler resolves, nak with backoff
// when it throws, dead-letter once retrying is pointless. A message is never dropped silently.
import { createHash } from 'node:crypto';
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  JetStreamError,
  type Consumer,
  type ConsumerConfig,
  type ConsumerInfo,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { InvalidArgumentError, nanos } from '@nats-io/transport-node';
import { describeError, PermanentError } from './errors.js';
import { toHeaderRecord, type HeaderRecord } from './headers.js';
import type { BusLogger } from './logger.js';
import { fromJsMsg, type BusMessage } from './message.js';
import type { BusMetrics } from './metrics.js';
import type { ResolvedConsumeOptions } from './specs.js';
import { SpanKind, withIncomingSpan } from './tracing.js';

export type MessageHandler = (message: BusMessage) => Promise<unknown> | unknown;

export interface ConsumerHandle {
  readonly stream: string;
  readonly durable: string;
  /** Stops fetching and resolves once the handlers in flight have finished. */
  stop(): Promise<void>;
}

export const DEAD_LETTER_STREAM = 'DEAD_LETTER';

export function deadLetterSubject(stream: string, durable: string): string {
  return `dead.${stream}.${durable}`;
}

/** The JSON body of a message on the dead-letter stream. */
export interface DeadLetterRecord {
  stream: string;
  durable: string;
  /** Subject the message was originally published on. */
  subject: string;
  headers: HeaderRecord;
  /**
   * The original payload, base64-encoded; only its beginning when `dataTruncated` (the record
   * must fit the server's max_payload), or nothing when even that did not fit. The whole
   * message stays readable at `streamSequence` in its stream while the stream keeps it.
   */
  data: string;
  /** Size of the original payload in bytes. */
  dataSize: number;
  /** True when `data` holds less than the whole payload. */
  dataTruncated: boolean;
  /** SHA-256 (hex) of the whole original payload. */
  dataSha256: string;
  streamSequence: number;
  deliveryCount: number;
  /** `permanent`: the handler threw PermanentError; `max_deliver`: attempts ran out. */
  reason: 'permanent' | 'max_deliver';
  error: { name: string; message: string };
  deadAt: string;
}

export interface ConsumerDependencies {
  js: JetStreamClient;
  jsm: JetStreamManager;
  logger: BusLogger;
  metrics: BusMetrics;
  deadLetter(record: DeadLetterRecord): Promise<void>;
  /** The largest message (headers and payload) the server accepts: its `max_payload`. */
  maxPayload(): number;
}

/** How long one pull request waits at the server for messages before the next one. */
const FETCH_EXPIRES_MS = 10_000;
/** Pause before fetching again after a fetch failed (server restart, consumer recreated). */
const FETCH_RETRY_MS = 1_000;
/** Failed fetches in a row after which the consumer is ensured again, whatever the error. */
const FAILED_FETCHES_BEFORE_ENSURE = 3;

/**
 * Creates the durable consumer, or brings an existing one in line with `options`.
 * `created` tells whether it had to be created.
 */
export async function ensureConsumer(
  jsm: JetStreamManager,
  options: ResolvedConsumeOptions,
): Promise<{ created: boolean }> {
  const { stream, durable, filterSubjects = [] } = options;
  const config: Partial<ConsumerConfig> = {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(options.ackWaitMs),
    // Deliveries are counted here, not by the server: a server-side limit would drop the
    // message after the last attempt (say, a crash mid-handler) without a dead-letter record.
    max_deliver: -1,
    ...filterConfig(filterSubjects),
  };
  let current: ConsumerInfo;
  try {
    current = await jsm.consumers.info(stream, durable);
  } catch (error) {
    if (isApiError(error, JetStreamApiCodes.ConsumerNotFound)) {
      // The deliver policy is fixed at creation: set here only.
      const deliverPolicy = options.startAt === 'new' ? DeliverPolicy.New : DeliverPolicy.All;
      await jsm.consumers.add(stream, { ...config, deliver_policy: deliverPolicy });
      return { created: true };
    }
    if (isApiError(error, JetStreamApiCodes.StreamNotFound)) {
      throw new Error(
        `Cannot consume from stream ${stream}: it does not exist (declare it with ensureStreams)`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
  const currentFilters =
    current.config.filter_subjects ?? (current.config.filter_subject ? [current.config.filter_subject] : []);
  const unchanged =
    current.config.ack_policy === AckPolicy.Explicit &&
    current.config.ack_wait === config.ack_wait &&
    current.config.max_deliver === config.max_deliver &&
    sameSet(currentFilters, filterSubjects);
  if (unchanged) return { created: false };
  await jsm.consumers.update(stream, durable, {
    ack_wait: config.ack_wait,
    max_deliver: config.max_deliver,
    ...filterUpdate(filterSubjects),
  });
  return { created: false };
}

// A single filter uses `filter_subject`, which every JetStream server understands;
// several need `filter_subjects` (nats-server 2.10+).
function filterConfig(filters: string[]): Partial<ConsumerConfig> {
  if (filters.length === 0) return {};
  if (filters.length === 1) return { filter_subject: filters[0] };
  return { filter_subjects: filters };
}

// Updates merge into the current config, so the form not used is cleared explicitly.
function filterUpdate(filters: string[]): Partial<ConsumerConfig> {
  if (filters.length > 1) return { filter_subject: '', filter_subjects: filters };
  return { filter_subject: filters[0] ?? '', filter_subjects: undefined };
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((item) => b.includes(item));
}

export function isApiError(error: unknown, code: number): boolean {
  return error instanceof JetStreamApiError && error.code === code;
}

/**
 * Whether a fetch failed in a way that says the consumer (or its stream) may be gone. The
 * server ends a waiting pull with 409 "consumer deleted" (or "stream deleted"); a pull sent
 * after the deletion reaches nobody, which surfaces as 503 "no responders" or, when the
 * JetStream API swallows it, as missed idle heartbeats. The statuses reach `fetch` as a
 * JetStreamStatusError (a JetStreamError with the status code), the heartbeats as a
 * JetStreamError "heartbeats missed".
 */
function mayBeConsumerGone(error: unknown): boolean {
  if (
    isApiError(error, JetStreamApiCodes.ConsumerNotFound) ||
    isApiError(error, JetStreamApiCodes.StreamNotFound)
  ) {
    return true;
  }
  if (!(error instanceof JetStreamError)) return false;
  if (error.message === 'heartbeats missed') return true;
  const { code } = error as JetStreamError & { code?: unknown };
  return code === 503 || (code === 409 && /^(consumer|stream) deleted$/i.test(error.message));
}

export async function startConsumer(
  deps: ConsumerDependencies,
  options: ResolvedConsumeOptions,
  handler: MessageHandler,
): Promise<ConsumerHandle> {
  const { stream, durable, concurrency } = options;
  const logger = deps.logger;
  /** Creates the durable (or brings it in line with the options) and gets a handle on it. */
  const openConsumer = async () => {
    const { created } = await ensureConsumer(deps.jsm, options);
    return { consumer: await deps.js.consumers.get(stream, durable), created };
  };
  let { consumer } = await openConsumer();
  const inFlight = new Set<Promise<void>>();
  let stopping = false;
  const stopSignal = new AbortController();
  const stopped = new Promise<void>((resolve) =>
    stopSignal.signal.addEventListener('abort', () => resolve()),
  );
  let currentBatch: ConsumerMessages | undefined;
  let wakeRetry: (() => void) | undefined;
  let failedFetches = 0;
  let ensureAgain = false;

  const pauseBeforeRetry = (): Promise<void> =>
    new Promise<void>((resolve) => {
      wakeRetry = resolve;
      setTimeout(resolve, FETCH_RETRY_MS);
    });

  // The durable (or its stream) was deleted under the running service, say by an operator
  // resetting it: create it again as at start, and fetch through a fresh handle.
  const ensureConsumerAgain = async (): Promise<Consumer> => {
    const { consumer: fresh, created } = await openConsumer();
    if (created) logger.warn({ stream, durable }, 'consumer re-created');
    return fresh;
  };

  const dispatch = (msg: JsMsg): void => {
    const task = processMessage(deps, options, handler, msg, stopSignal.signal).finally(() => inFlight.delete(task));
    inFlight.add(task);
  };

  // Pulls only as many messages as there are free handler slots, so no message waits in a
  // local buffer while its ack timer runs.
  const fetchLoop = async (): Promise<void> => {
    while (!stopping) {
      while (inFlight.size >= concurrency) await Promise.race(inFlight);
      if (stopping) break;
      if (ensureAgain) {
        try {
          const ensuring = ensureConsumerAgain();
          ensuring.catch(() => {}); // still running when stop() wins the race below
          // stop() does not wait for JetStream API calls that may run into their timeout.
          const fresh = await Promise.race([ensuring, stopped]);
          if (!fresh) break;
          consumer = fresh;
          ensureAgain = false;
        } catch (error) {
          if (stopping) break;
          logger.warn(
            { stream, durable, err: describeError(error) },
            'cannot check or re-create consumer, retrying',
          );
          await pauseBeforeRetry();
          continue;
        }
      }
      try {
        currentBatch = await consumer.fetch({
          max_messages: concurrency - inFlight.size,
          expires: FETCH_EXPIRES_MS,
        });
        // stop() may have come while the fetch was being set up. (Not awaited: close()
        // resolves once the iteration below has ended.)
        if (stopping) void currentBatch.close();
        for await (const msg of currentBatch) {
          // Delivered after stop() was called: hand it straight back for another consumer.
          if (stopping) {
            msg.nak();
            deps.metrics.naked.inc({ stream, durable, reason: 'stopping' });
          } else dispatch(msg);
        }
        failedFetches = 0;
      } catch (error) {
        if (stopping) break;
        failedFetches += 1;
        // A deletion is repaired at once, anything failing for longer gets the same check
        // (ensuring a consumer that exists only reads its info).
        ensureAgain = mayBeConsumerGone(error) || failedFetches >= FAILED_FETCHES_BEFORE_ENSURE;
        logger.warn({ stream, durable, err: describeError(error) }, 'fetch failed, retrying');
        await pauseBeforeRetry();
      } finally {
        currentBatch = undefined;
      }
    }
  };

  const loopDone = fetchLoop();
  logger.info({ stream, durable, concurrency }, 'consumer started');

  return {
    stream,
    durable,
    async stop() {
      if (!stopping) {
        stopping = true;
        stopSignal.abort();
        wakeRetry?.();
        await currentBatch?.close();
      }
      await loopDone;
      await Promise.allSettled(inFlight);
      logger.info({ stream, durable }, 'consumer stopped');
    },
  };
}

async function processMessage(
  deps: ConsumerDependencies,
  options: ResolvedConsumeOptions,
  handler: MessageHandler,
  msg: JsMsg,
  stopping: AbortSignal,
): Promise<void> {
  const { stream, durable, maxDeliver, backoffMs } = options;
  const message = fromJsMsg(msg, stopping);
  const { deliveryCount, streamSequence, subject } = message;
  const context = { stream, durable, subject, streamSequence, deliveryCount };
  const labels = { stream, durable };
  deps.metrics.received.inc(labels);
  const stopTimer = deps.metrics.handlerDuration.startTimer(labels);

  // Earlier attempts ran out without a verdict (the process died or the ack wait passed):
  // the handler already had its chances.
  if (deliveryCount > maxDeliver) {
    const error = new Error(
      `no outcome after ${maxDeliver} deliveries (handler crashed or exceeded the ack wait)`,
    );
    await deadLetterAndTerminate(deps, options, msg, 'max_deliver', error);
    stopTimer({ outcome: 'dead_letter' });
    return;
  }

  try {
    await withIncomingSpan(
      `process ${stream}/${durable}`,
      SpanKind.CONSUMER,
      {
        'messaging.system': 'nats',
        'messaging.operation.type': 'process',
        'messaging.destination.name': subject,
        'messaging.consumer.group.name': durable,
        'messaging.message.delivery_count': deliveryCount,
      },
      msg.headers,
      async () => handler(message),
    );
  } catch (error) {
    if (error instanceof PermanentError) {
      stopTimer({ outcome: 'dead_letter' });
      await deadLetterAndTerminate(deps, options, msg, 'permanent', error);
    } else if (deliveryCount >= maxDeliver) {
      stopTimer({ outcome: 'dead_letter' });
      await deadLetterAndTerminate(deps, options, msg, 'max_deliver', error);
    } else {
      stopTimer({ outcome: 'nak' });
      const delay = backoffMs[Math.min(deliveryCount - 1, backoffMs.length - 1)]!;
      deps.logger.warn(
        { ...context, retryInMs: delay, err: describeError(error) },
        'handler failed, will retry',
      );
      msg.nak(delay);
      deps.metrics.naked.inc({ ...labels, reason: 'retry' });
    }
    return;
  }
  msg.ack();
  stopTimer({ outcome: 'ack' });
  deps.metrics.acked.inc(labels);
  deps.logger.debug(context, 'message handled');
}

async function deadLetterAndTerminate(
  deps: ConsumerDependencies,
  options: ResolvedConsumeOptions,
  msg: JsMsg,
  reason: DeadLetterRecord['reason'],
  error: unknown,
): Promise<void> {
  const labels = { stream: options.stream, durable: options.durable };
  const where = { ...labels, streamSequence: msg.seq };
  const record = deadLetterRecord(options, msg, reason, error, deps.maxPayload());
  if (record.dataTruncated) {
    deps.logger.warn(
      { ...where, dataSize: record.dataSize },
      'payload too large for the dead-letter record, keeping only its beginning',
    );
  }
  try {
    await publishDeadLetter(deps, record, where);
  } catch (publishError) {
    // Without a dead-letter record the message must stay in its stream: retry later.
    const delay = options.backoffMs[options.backoffMs.length - 1]!;
    deps.logger.error({ ...where, err: describeError(publishError) }, 'cannot dead-letter message, will retry');
    msg.nak(delay);
    deps.metrics.naked.inc({ ...labels, reason: 'dead_letter_failed' });
    return;
  }
  deps.metrics.deadLettered.inc({ ...labels, reason });
  // No term reason: servers before 2.11 do not understand one; the record carries it.
  msg.term();
  deps.metrics.terminated.inc(labels);
  deps.logger.error(
    {
      stream: options.stream,
      durable: options.durable,
      subject: msg.subject,
      streamSequence: msg.seq,
      reason,
      err: record.error,
    },
    'message dead-lettered',
  );
}

/**
 * Publishes the record; one still refused as too large (a stream limit below max_payload, or
 * unusually large headers) is published again without the payload.
 */
async function publishDeadLetter(
  deps: ConsumerDependencies,
  record: DeadLetterRecord,
  where: Record<string, unknown>,
): Promise<void> {
  try {
    await deps.deadLetter(record);
  } catch (publishError) {
    if (!isPayloadTooLarge(publishError) || record.data === '') throw publishError;
    deps.logger.warn(
      { ...where, err: describeError(publishError) },
      'dead-letter record refused as too large, recording it without the payload',
    );
    await deps.deadLetter({ ...record, data: '', dataTruncated: true });
  }
}

/** Room kept in a dead-letter message for the headers the bus adds (content type, message id, trace context). */
const DEAD_LETTER_HEADER_ALLOWANCE = 2_048;

/**
 * The dead-letter record of `msg`, small enough for a message of at most `maxPayload` bytes:
 * when the base64 payload would not fit, `data` keeps only as much of its beginning as does.
 */
function deadLetterRecord(
  options: ResolvedConsumeOptions,
  msg: JsMsg,
  reason: DeadLetterRecord['reason'],
  error: unknown,
  maxPayload: number,
): DeadLetterRecord {
  const payload = msg.data;
  const record: DeadLetterRecord = {
    stream: options.stream,
    durable: options.durable,
    subject: msg.subject,
    headers: toHeaderRecord(msg.headers),
    data: '',
    dataSize: payload.length,
    dataTruncated: false,
    dataSha256: createHash('sha256').update(payload).digest('hex'),
    streamSequence: msg.seq,
    deliveryCount: msg.info.deliveryCount,
    reason,
    error: describeError(error),
    deadAt: new Date().toISOString(),
  };
  // base64 needs no escaping in JSON: each 3 bytes kept cost 4 characters of the record.
  const room = maxPayload - DEAD_LETTER_HEADER_ALLOWANCE - Buffer.byteLength(JSON.stringify(record));
  const fits = Math.max(0, Math.floor(room / 4) * 3);
  if (payload.length <= fits) return { ...record, data: Buffer.from(payload).toString('base64') };
  return {
    ...record,
    data: Buffer.from(payload.subarray(0, fits)).toString('base64'),
    dataTruncated: true,
  };
}

/** JetStream's error code for a message above a stream's max_msg_size. */
const MESSAGE_TOO_LARGE_API_CODE = 10054;

/** Whether a publish failed only because the message is too large. */
function isPayloadTooLarge(error: unknown): boolean {
  // The client refuses a message above the server's max_payload before sending it.
  if (error instanceof InvalidArgumentError && error.message.includes('max_payload')) return true;
  return isApiError(error, MESSAGE_TOO_LARGE_API_CODE);
}
