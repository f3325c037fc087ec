// Durable pull consumers with explicit acks: ack after the handler resolves, nak with backoff
// when it throws, dead-letter once retrying is pointless. A message is never dropped silently.
import {
  AckPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type ConsumerConfig,
  type ConsumerInfo,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
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
  /** The original payload, base64-encoded. */
  data: string;
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
}

/** How long one pull request waits at the server for messages before the next one. */
const FETCH_EXPIRES_MS = 10_000;
/** Pause before fetching again after a fetch failed (server restart, consumer recreated). */
const FETCH_RETRY_MS = 1_000;

/** Creates the durable consumer, or brings an existing one in line with `options`. */
export async function ensureConsumer(
  jsm: JetStreamManager,
  options: ResolvedConsumeOptions,
): Promise<ConsumerInfo> {
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
    if (isApiError(error, JetStreamApiCodes.ConsumerNotFound)) return jsm.consumers.add(stream, config);
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
  if (unchanged) return current;
  return jsm.consumers.update(stream, durable, {
    ack_wait: config.ack_wait,
    max_deliver: config.max_deliver,
    ...filterUpdate(filterSubjects),
  });
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

export async function startConsumer(
  deps: ConsumerDependencies,
  options: ResolvedConsumeOptions,
  handler: MessageHandler,
): Promise<ConsumerHandle> {
  await ensureConsumer(deps.jsm, options);
  const consumer = await deps.js.consumers.get(options.stream, options.durable);
  const logger = deps.logger;
  const { stream, durable, concurrency } = options;
  const inFlight = new Set<Promise<void>>();
  let stopping = false;
  const stopSignal = new AbortController();
  let currentBatch: ConsumerMessages | undefined;
  let wakeRetry: (() => void) | undefined;

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
      } catch (error) {
        if (stopping) break;
        logger.warn({ stream, durable, err: describeError(error) }, 'fetch failed, retrying');
        await new Promise<void>((resolve) => {
          wakeRetry = resolve;
          setTimeout(resolve, FETCH_RETRY_MS);
        });
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
  const record: DeadLetterRecord = {
    stream: options.stream,
    durable: options.durable,
    subject: msg.subject,
    headers: toHeaderRecord(msg.headers),
    data: Buffer.from(msg.data).toString('base64'),
    streamSequence: msg.seq,
    deliveryCount: msg.info.deliveryCount,
    reason,
    error: describeError(error),
    deadAt: new Date().toISOString(),
  };
  try {
    await deps.deadLetter(record);
  } catch (publishError) {
    // Without a dead-letter record the message must stay in its stream: retry later.
    const delay = options.backoffMs[options.backoffMs.length - 1]!;
    deps.logger.error(
      {
        stream: options.stream,
        durable: options.durable,
        streamSequence: msg.seq,
        err: describeError(publishError),
      },
      'cannot dead-letter message, will retry',
    );
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
