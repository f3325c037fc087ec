/**
 * One tenant's live feed: an ordered (ephemeral, durable-less) JetStream consumer on the
 * conversation facts, from the sequence after the client's Last-Event-ID, or from now on.
 * The stream sequence is each event's id, so a reconnecting client misses nothing the
 * STEWARD stream still holds.
 */
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { DeliverPolicy, type ConsumerMessages } from '@nats-io/jetstream';
import { Bus } from '@steward/bus';
import { conversationFactsFilter, Streams } from '@steward/contracts';
import { LOGGER } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import { liveEventOf, type LiveEvent } from './live-events.js';

export interface LiveSubscription {
  /** The tenant's events in stream order, each with its stream sequence. */
  events: AsyncIterable<LiveEvent & { id: number }>;
  close(): void;
}

@Injectable()
export class LiveFeed implements OnModuleDestroy {
  private readonly open = new Set<LiveSubscription>();
  private readonly closing = new Set<() => void>();

  constructor(
    private readonly bus: Bus,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async subscribe(tenantId: string, afterSequence?: number): Promise<LiveSubscription> {
    const consumer = await this.bus.js.consumers.get(Streams.facts.name, {
      filter_subjects: conversationFactsFilter,
      ...(afterSequence === undefined
        ? { deliver_policy: DeliverPolicy.New }
        : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: afterSequence + 1 }),
    });
    const messages: ConsumerMessages = await consumer.consume();
    const logger = this.logger;
    async function* events(): AsyncGenerator<LiveEvent & { id: number }> {
      for await (const message of messages) {
        let event: LiveEvent | null = null;
        try {
          event = liveEventOf(message.subject, message.data, tenantId);
        } catch (error) {
          logger.warn(
            { err: error, subject: message.subject, seq: message.seq },
            'skipping a fact the live feed cannot read',
          );
        }
        if (event) yield { ...event, id: message.seq };
      }
    }
    const subscription: LiveSubscription = {
      events: events(),
      close: () => {
        this.open.delete(subscription);
        void messages.close().catch(() => undefined);
      },
    };
    this.open.add(subscription);
    return subscription;
  }

  /** Streams to end when the application stops (open SSE responses would hold the server). */
  onClose(end: () => void): () => void {
    this.closing.add(end);
    return () => this.closing.delete(end);
  }

  onModuleDestroy(): void {
    for (const end of [...this.closing]) end();
    for (const subscription of [...this.open]) subscription.close();
  }
}
