// NestJS transport: `@EventPattern(subject, { stream, durable, ... })` handlers become durable
// JetStream consumers (acked when the handler settles, retried or dead-lettered when it
// fails); `@MessagePattern(subject)` handlers answer core NATS requests.
import {
  Server,
  type CustomTransportStrategy,
  type MessageHandler as NestHandler,
} from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import { Bus, type BusConnectOptions } from '../bus.js';
import type { ConsumerHandle } from '../consumer.js';
import { describeError, PermanentError, RpcError, RpcErrorCode } from '../errors.js';
import { encodeJson, type BusMessage, type InboundMessage } from '../message.js';
import type { ServeHandle } from '../rpc.js';
import type { ConsumeOptions } from '../specs.js';
import { BusContext } from './bus.context.js';
import { decodePayload, type PayloadDecoder } from './payload-decoder.js';

/** The extras of an `@EventPattern`: consumer options; `filterSubjects` defaults to the pattern. */
export type JetStreamEventExtras = Omit<ConsumeOptions, 'filterSubjects'> & {
  filterSubjects?: string[];
  decode?: PayloadDecoder;
};

/** The extras of a `@MessagePattern`. */
export interface RpcPatternExtras {
  /** Queue group shared by replicas (default: the subject). */
  queue?: string;
  decode?: PayloadDecoder;
}

export type JetStreamTransportOptions = {
  /** Default payload decoding for every handler (default `json`). */
  decode?: PayloadDecoder;
} & (
  | {
      /**
       * A bus shared with the rest of the application, or a function returning it once the
       * application is initialised (e.g. `() => app.get(Bus)` with BusModule). The transport
       * stops its own consumers on close; draining the bus is left to its owner.
       */
      bus: Bus | (() => Bus | Promise<Bus>);
    }
  | {
      /** Connection for a bus this transport owns and drains on close. */
      connection: BusConnectOptions;
    }
);

export class JetStreamTransport extends Server implements CustomTransportStrategy {
  // Event handler failures are reported (nak, retry, dead-letter) by this transport.
  override readonly propagatesEventHandlerErrors = true;
  private bus?: Bus;
  private readonly consumers: ConsumerHandle[] = [];
  private readonly responders: ServeHandle[] = [];

  constructor(private readonly options: JetStreamTransportOptions) {
    super();
    if (!options || (!('bus' in options) && !('connection' in options))) {
      throw new Error('JetStreamTransport needs either a shared `bus` or `connection` options');
    }
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      this.bus = await this.resolveBus();
      for (const [pattern, head] of this.messageHandlers) {
        for (
          let handler: NestHandler | undefined = head;
          handler;
          handler = handler.next as NestHandler | undefined
        ) {
          if (handler.isEventHandler)
            this.consumers.push(await this.startEventHandler(this.bus, pattern, handler));
          else this.responders.push(this.startRequestHandler(this.bus, pattern, handler));
        }
      }
      // The server knows every request subscription before the service says it listens: a
      // request made as soon as it has started is served, not refused for want of responders.
      if (this.responders.length > 0) await this.bus.connection.flush();
      callback();
    } catch (error) {
      await this.close().catch(() => {});
      callback(error);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.consumers.splice(0).map((consumer) => consumer.stop()));
    await Promise.all(this.responders.splice(0).map((responder) => responder.stop()));
    if ('connection' in this.options) await this.bus?.drain();
  }

  unwrap<T = Bus>(): T {
    if (!this.bus) throw new Error('JetStreamTransport is not listening yet');
    return this.bus as T;
  }

  on(): never {
    throw new Error('JetStreamTransport has no events to listen to; the Bus logs connection status');
  }

  private async resolveBus(): Promise<Bus> {
    if ('connection' in this.options) return Bus.connect(this.options.connection);
    const { bus } = this.options;
    return bus instanceof Bus ? bus : bus();
  }

  private startEventHandler(bus: Bus, pattern: string, handler: NestHandler): Promise<ConsumerHandle> {
    const { decode, filterSubjects, ...consumeOptions } = (handler.extras ??
      {}) as Partial<JetStreamEventExtras>;
    if (!consumeOptions.stream || !consumeOptions.durable) {
      throw new Error(
        `@EventPattern('${pattern}') needs { stream, durable } extras to consume from JetStream`,
      );
    }
    const decoder = decode ?? this.options.decode ?? 'json';
    return bus.consume(
      {
        ...consumeOptions,
        stream: consumeOptions.stream,
        durable: consumeOptions.durable,
        filterSubjects: filterSubjects ?? [pattern],
      },
      async (message: BusMessage) => {
        let payload: unknown;
        try {
          payload = decodePayload(decoder, message);
        } catch (error) {
          throw new PermanentError(
            `cannot decode payload of ${message.subject}: ${describeError(error).message}`,
            { cause: error },
          );
        }
        await settle(await handler(payload, new BusContext([message])));
      },
    );
  }

  private startRequestHandler(bus: Bus, pattern: string, handler: NestHandler): ServeHandle {
    const { decode, queue } = (handler.extras ?? {}) as RpcPatternExtras;
    const decoder = decode ?? this.options.decode ?? 'json';
    return bus.serve(
      pattern,
      async (request: InboundMessage) => {
        let payload: unknown;
        try {
          payload = decodePayload(decoder, request);
        } catch (error) {
          throw new RpcError(
            RpcErrorCode.BadRequest,
            `cannot decode request: ${describeError(error).message}`,
          );
        }
        try {
          return encodeReply(await settle(await handler(payload, new BusContext([request]))));
        } catch (error) {
          throw toRpcError(error);
        }
      },
      queue === undefined ? {} : { queue },
    );
  }
}

/** Waits for a handler's result, which may be an observable (its last value counts). */
async function settle(result: unknown): Promise<unknown> {
  return isObservable(result) ? lastValueFrom(result, { defaultValue: undefined }) : result;
}

// Bytes go out as they are (protobuf replies); anything else as JSON, so `requestJson` reads it.
function encodeReply(value: unknown): Uint8Array {
  return value instanceof Uint8Array ? value : encodeJson(value ?? null);
}

// Nest's exception filter turns unknown errors into `{ status: 'error', message }` and
// `RpcException({ code, message })` into that object; both become RpcErrors here.
function toRpcError(error: unknown): unknown {
  if (error instanceof RpcError) return error;
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return new RpcError(error.code, describeError(error).message);
  }
  return new RpcError(RpcErrorCode.Internal, describeError(error).message);
}
