/**
 * One tenant's live feed: an ordered (ephemeral, durable-less) JetStream consumer on the
 * conversation facts, from the sequence after the client's Last-Event-ID, or from now on.
 * The stream sequence is each event's id, so a reconnecting client misses nothing the
 * STEWARD stream still holds.
 */
import { HttpStatus, Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { DeliverPolicy, type ConsumerMessages } from '@nats-io/jetstream';
import { Bus } from '@steward/bus';
import { conversationFactsFilter, Streams } from '@steward/contracts';
import { CONFIG, LOGGER } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import type { AdminApiConfig } from '../config.js';
import { ApiError } from '../http/api-error.js';
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
  /** Open feeds per tenant on this replica. */
  private readonly perTenant = new Map<string, number>();

  constructor(
    private readonly bus: Bus,
    @Inject(CONFIG) private readonly config: AdminApiConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async subscribe(tenantId: string, afterSequence?: number): Promise<LiveSubscription> {
    const limit = this.config.ADMIN_LIVE_STREAMS_PER_TENANT;
    if ((this.perTenant.get(tenantId) ?? 0) >= limit)
      throw new ApiError(
        HttpStatus.TOO_MANY_REQUESTS,
        'too_many_streams',
        `At most ${limit} live feeds can be open at once; close one (another tab or program) first`,
      );
    // The place is taken before the consumer is made, so feeds opened at once keep to the limit.
    this.perTenant.set(tenantId, (this.perTenant.get(tenantId) ?? 0) + 1);
    let messages: ConsumerMessages;
    try {
      const consumer = await this.bus.js.consumers.get(Streams.facts.name, {
        filter_subjects: conversationFactsFilter,
        ...(afterSequence === undefined
          ? { deliver_policy: DeliverPolicy.New }
          : {
              deliver_policy: DeliverPolicy.StartSequence,
              opt_start_seq: await this.replayFrom(afterSequence),
            }),
      });
      messages = await consumer.consume();
    } catch (error) {
      this.leave(tenantId);
      throw error;
    }
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
        if (!this.open.delete(subscription)) return;
        this.leave(tenantId);
        void messages.close().catch(() => undefined);
      },
    };
    this.open.add(subscription);
    return subscription;
  }

  /** Gives a tenant's place back (the last one takes its entry along). */
  private leave(tenantId: string): void {
    const left = (this.perTenant.get(tenantId) ?? 1) - 1;
    if (left > 0) this.perTenant.set(tenantId, left);
    else this.perTenant.delete(tenantId);
  }

  /** The sequence a reconnect resumes from: after its last event, at most ADMIN_LIVE_REPLAY_MAX_FACTS back. */
  private async replayFrom(afterSequence: number): Promise<number> {
    const { last_seq: last } = (await this.bus.jsm.streams.info(Streams.facts.name)).state;
    return Math.max(afterSequence + 1, last - this.config.ADMIN_LIVE_REPLAY_MAX_FACTS + 1);
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
