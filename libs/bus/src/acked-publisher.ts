// JetStream publishes whose acknowledgements come back on one subscription of the connection.
import { JetStreamApiError, type ApiError } from '@nats-io/jetstream';
import {
  ClosedConnectionError,
  createInbox,
  DrainingConnectionError,
  TimeoutError,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  type Subscription,
} from '@nats-io/transport-node';
import type { BusLogger } from './logger.js';

export interface PublishAck {
  stream: string;
  seq: number;
  duplicate: boolean;
}

interface Waiting {
  resolve(ack: PublishAck): void;
  reject(error: Error): void;
  subject: string;
  deadline: number;
}

/** How often overdue acknowledgements are failed; a timeout fires at most this much late. */
const SWEEP_INTERVAL_MS = 100;

/**
 * Publishes to JetStream and resolves with the stream's acknowledgement. Each publish is a core
 * NATS message whose reply subject is `<inbox>.<n>`; one wildcard subscription receives every
 * acknowledgement and settles the publish numbered `n`; one timer fails those overdue.
 *
 * This is what `js.publish` does through a request per message, but nats.js builds an Error
 * (stack capture included) for every request it settles, and a timer per request: together a
 * tenth of the gateway's CPU and much of its garbage. Failures keep the library's error types:
 * `JetStreamApiError` for a refusal, `TimeoutError` when no acknowledgement came in time.
 */
export class AckedPublisher {
  private readonly prefix = `${createInbox()}.`;
  private readonly waiting = new Map<number, Waiting>();
  private readonly subscription: Subscription;
  private readonly sweeper: NodeJS.Timeout;
  private next = 0;

  constructor(
    private readonly connection: NatsConnection,
    private readonly logger: BusLogger,
  ) {
    this.subscription = connection.subscribe(`${this.prefix}*`, {
      callback: (error, message) => {
        if (error) {
          // E.g. no permission to subscribe to the inbox: no publish could ever be acknowledged.
          this.logger.error({ err: error }, 'the subscription for JetStream acknowledgements failed');
          this.failAll(error);
          return;
        }
        this.settle(message);
      },
    });
    this.sweeper = setInterval(() => this.failOverdue(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
    // Whatever is still waiting when the connection closes will never be acknowledged.
    void connection.closed().then(() => this.close());
  }

  publish(subject: string, data: Uint8Array, headers: MsgHdrs, timeoutMs: number): Promise<PublishAck> {
    // Once draining, the acknowledgement could no longer arrive: refuse before sending.
    if (this.connection.isDraining()) return Promise.reject(new DrainingConnectionError());
    const id = ++this.next;
    return new Promise<PublishAck>((resolve, reject) => {
      this.connection.publish(subject, data, { headers, reply: this.prefix + id });
      this.waiting.set(id, { resolve, reject, subject, deadline: performance.now() + timeoutMs });
    });
  }

  /** Stops listening; publishes still waiting fail. */
  close(): void {
    clearInterval(this.sweeper);
    if (!this.subscription.isClosed()) this.subscription.unsubscribe();
    // The connection closed before JetStream acknowledged them.
    this.failAll(new ClosedConnectionError());
  }

  private failAll(error: Error): void {
    for (const [id, waiting] of this.waiting) {
      this.waiting.delete(id);
      waiting.reject(error);
    }
  }

  private settle(message: Msg): void {
    const id = Number(message.subject.slice(this.prefix.length));
    const waiting = this.waiting.get(id);
    if (!waiting) return; // acknowledged after it timed out
    this.waiting.delete(id);
    if (message.headers?.code === 503) {
      waiting.reject(new Error(`no JetStream stream stores messages published to ${waiting.subject}`));
      return;
    }
    let reply: Partial<PublishAck> & { error?: ApiError };
    try {
      reply = message.json();
    } catch {
      waiting.reject(new Error(`JetStream answered a publish to ${waiting.subject} with something that is not JSON`));
      return;
    }
    if (reply.error) waiting.reject(new JetStreamApiError(reply.error));
    else if (!reply.stream) waiting.reject(new Error(`JetStream answered a publish to ${waiting.subject} without a stream`));
    else waiting.resolve({ stream: reply.stream, seq: reply.seq ?? 0, duplicate: reply.duplicate === true });
  }

  private failOverdue(): void {
    const now = performance.now();
    for (const [id, waiting] of this.waiting) {
      if (waiting.deadline > now) continue;
      this.waiting.delete(id);
      waiting.reject(new TimeoutError());
    }
  }
}
