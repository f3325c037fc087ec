import type { Msg } from '@nats-io/transport-node';
import type { JsMsg } from '@nats-io/jetstream';
import { toHeaderRecord, type HeaderRecord } from './headers.js';

/** A message as a handler sees it, whether it came from a stream or a request. */
export interface InboundMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  /** Header name → value (the last one when a header repeats). */
  readonly headers: HeaderRecord;
  /** The payload parsed as JSON; throws on malformed JSON. */
  json<T = unknown>(): T;
  /** The payload decoded as UTF-8. */
  string(): string;
}

/** A JetStream message delivered to a `consume` handler. */
export interface BusMessage extends InboundMessage {
  /** 1 on first delivery, growing with each redelivery. */
  readonly deliveryCount: number;
  readonly streamSequence: number;
  /** When the stream stored the message (the server's clock), in ms since the epoch. */
  readonly storedAtMs: number;
  /** Tells the server the handler is still busy, restarting the ack wait. */
  working(): void;
  /**
   * Aborted when the consumer stops. A handler waiting on something slow (a dependency that is
   * down) gives up and throws, so the message is redelivered rather than holding up the stop.
   */
  readonly stopping: AbortSignal;
}

const utf8 = new TextDecoder();

function decodingHelpers(data: Uint8Array): Pick<InboundMessage, 'json' | 'string'> {
  return {
    string: () => utf8.decode(data),
    json: <T>() => JSON.parse(utf8.decode(data)) as T,
  };
}

export function fromJsMsg(msg: JsMsg, stopping: AbortSignal): BusMessage {
  return {
    stopping,
    subject: msg.subject,
    data: msg.data,
    headers: toHeaderRecord(msg.headers),
    deliveryCount: msg.info.deliveryCount,
    streamSequence: msg.seq,
    storedAtMs: Math.floor(msg.info.timestampNanos / 1e6),
    working: () => msg.working(),
    ...decodingHelpers(msg.data),
  };
}

export function fromCoreMsg(msg: Msg): InboundMessage {
  return {
    subject: msg.subject,
    data: msg.data,
    headers: toHeaderRecord(msg.headers),
    ...decodingHelpers(msg.data),
  };
}

const utf8Encoder = new TextEncoder();

export function encodeJson(value: unknown): Uint8Array {
  const text = JSON.stringify(value);
  if (text === undefined) throw new Error('Cannot encode undefined (or a function) as JSON');
  return utf8Encoder.encode(text);
}
