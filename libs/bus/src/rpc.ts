// Core NATS request/reply for `rpc.*` subjects. A failed handler answers with
// `{ error: { code, message } }` and an `Rpc-Status: error` header, which `request` turns
// back into a thrown RpcError.
import {
  RequestError,
  TimeoutError,
  type Msg,
  type NatsConnection,
  type Subscription,
} from '@nats-io/transport-node';
import { describeError, RpcError, RpcErrorCode } from './errors.js';
import { toMsgHdrs, type HeaderRecord } from './headers.js';
import type { BusLogger } from './logger.js';
import { encodeJson, fromCoreMsg, type InboundMessage } from './message.js';
import type { BusMetrics } from './metrics.js';
import { SpanKind, withIncomingSpan, withOutgoingSpan } from './tracing.js';

export const RPC_STATUS_HEADER = 'Rpc-Status';

export interface RequestOptions {
  /** How long to wait for the reply (default 5 s). */
  timeoutMs?: number;
  headers?: HeaderRecord;
}

export interface ServeOptions {
  /** Queue group: replicas in the same group share the requests. Defaults to the subject. */
  queue?: string;
}

/** What a responder may answer with: bytes, text, or nothing (an empty reply). */
export type RpcReply = Uint8Array | string | void | undefined;
export type RpcHandler = (request: InboundMessage) => Promise<RpcReply> | RpcReply;

export interface ServeHandle {
  readonly subject: string;
  /** Stops taking requests and resolves once the ones in flight have been answered. */
  stop(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 5_000;

export async function request(
  nc: NatsConnection,
  metrics: BusMetrics,
  subject: string,
  data: Uint8Array | string,
  options: RequestOptions = {},
): Promise<InboundMessage> {
  const stopTimer = metrics.rpcDuration.startTimer({ subject });
  try {
    const reply = await sendRequest(nc, subject, data, options);
    metrics.rpcRequests.inc({ subject, outcome: 'ok' });
    return reply;
  } catch (error) {
    metrics.rpcRequests.inc({
      subject,
      outcome: error instanceof RpcError ? error.code : RpcErrorCode.Internal,
    });
    throw error;
  } finally {
    stopTimer();
  }
}

async function sendRequest(
  nc: NatsConnection,
  subject: string,
  data: Uint8Array | string,
  options: RequestOptions,
): Promise<InboundMessage> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0)
    throw new Error(`timeoutMs must be a positive integer, got ${timeoutMs}`);
  const headers = toMsgHdrs(options.headers);
  const reply = await withOutgoingSpan(
    `rpc ${subject}`,
    SpanKind.CLIENT,
    { 'rpc.system': 'nats', 'messaging.destination.name': subject },
    headers,
    async () => {
      try {
        return await nc.request(subject, data, { timeout: timeoutMs, headers });
      } catch (error) {
        throw toRpcError(error, subject, timeoutMs);
      }
    },
  );
  if (reply.headers?.get(RPC_STATUS_HEADER) === 'error') throw decodeErrorReply(reply, subject);
  return fromCoreMsg(reply);
}

function toRpcError(error: unknown, subject: string, timeoutMs: number): unknown {
  if (error instanceof RequestError && error.isNoResponders()) {
    return new RpcError(RpcErrorCode.NoResponders, `nobody serves ${subject}`, { cause: error });
  }
  if (
    error instanceof TimeoutError ||
    (error instanceof RequestError && error.cause instanceof TimeoutError)
  ) {
    return new RpcError(RpcErrorCode.Timeout, `no reply from ${subject} within ${timeoutMs} ms`, {
      cause: error,
    });
  }
  return error;
}

function decodeErrorReply(reply: Msg, subject: string): RpcError {
  try {
    const { error } = reply.json<{ error: { code: string; message: string } }>();
    return new RpcError(String(error.code), String(error.message));
  } catch {
    return new RpcError(RpcErrorCode.Internal, `malformed error reply from ${subject}`);
  }
}

export function serve(
  nc: NatsConnection,
  logger: BusLogger,
  metrics: BusMetrics,
  subject: string,
  handler: RpcHandler,
  options: ServeOptions = {},
): ServeHandle {
  const queue = options.queue ?? subject;
  const inFlight = new Set<Promise<void>>();
  const answer = async (msg: Msg): Promise<void> => {
    if (!msg.reply) {
      logger.warn({ subject: msg.subject }, 'request without reply subject ignored');
      return;
    }
    try {
      const result = await withIncomingSpan(
        `rpc ${subject}`,
        SpanKind.SERVER,
        { 'rpc.system': 'nats', 'messaging.destination.name': msg.subject },
        msg.headers,
        async () => handler(fromCoreMsg(msg)),
      );
      msg.respond(result ?? undefined);
      metrics.rpcServed.inc({ subject, outcome: 'ok' });
    } catch (error) {
      const code = error instanceof RpcError ? error.code : RpcErrorCode.Internal;
      metrics.rpcServed.inc({ subject, outcome: code });
      const { message } = describeError(error);
      if (code === RpcErrorCode.Internal)
        logger.error({ subject: msg.subject, err: describeError(error) }, 'request handler failed');
      msg.respond(encodeJson({ error: { code, message } }), {
        headers: toMsgHdrs({ [RPC_STATUS_HEADER]: 'error' }),
      });
    }
  };
  const subscription: Subscription = nc.subscribe(subject, {
    queue,
    callback: (error, msg) => {
      if (error) {
        logger.error({ subject, err: describeError(error) }, 'subscription failed');
        return;
      }
      const task = answer(msg).finally(() => inFlight.delete(task));
      inFlight.add(task);
    },
  });
  logger.info({ subject, queue }, 'serving requests');
  return {
    subject,
    async stop() {
      if (!subscription.isClosed()) await subscription.drain();
      await Promise.allSettled(inFlight);
    },
  };
}
