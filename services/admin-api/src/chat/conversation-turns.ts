import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Subscription } from '@nats-io/transport-node';
import { Bus } from '@steward/bus';
import { ConversationTurnSchema, decode, Subjects, type ConversationTurn } from '@steward/contracts';
import { LOGGER } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';

export interface TurnWait {
  /** The turn, or undefined when none arrived in time. */
  readonly turn: Promise<ConversationTurn | undefined>;
  /** Stops waiting (the request is gone). */
  cancel(): void;
}

/**
 * Hands the ConversationTurn fact of a question to whoever waits for it. One core NATS
 * subscription per replica on `steward.conversation.turn` (JetStream stores the fact; core
 * subscribers see every publish too), so a wait registered before the question is published
 * cannot miss its turn. Nothing is stored: a turn nobody waits for is ignored.
 */
@Injectable()
export class ConversationTurns implements OnModuleInit, OnApplicationShutdown {
  private readonly waiting = new Map<string, (turn: ConversationTurn | undefined) => void>();
  private subscription?: Subscription;

  constructor(
    private readonly bus: Bus,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    this.subscription = this.bus.connection.subscribe(Subjects.conversationTurn, {
      callback: (error, message) => {
        if (error) {
          this.logger.warn({ err: error }, 'conversation turn subscription failed');
          return;
        }
        // Turns of every tenant pass by: decode only while someone waits.
        if (this.waiting.size === 0) return;
        let turn: ConversationTurn;
        try {
          turn = decode(ConversationTurnSchema, message.data);
        } catch (decodeError) {
          this.logger.warn({ err: decodeError }, 'undecodable conversation turn ignored');
          return;
        }
        this.waiting.get(turn.turnId)?.(turn);
      },
    });
    // The server knows the subscription before the first question is published.
    await this.bus.connection.flush();
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
    for (const resolve of this.waiting.values()) resolve(undefined);
  }

  /** Register before publishing the question. */
  wait(turnId: string, timeoutMs: number): TurnWait {
    let resolveTurn!: (turn: ConversationTurn | undefined) => void;
    const turn = new Promise<ConversationTurn | undefined>((resolve) => (resolveTurn = resolve));
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    const finish = (value: ConversationTurn | undefined) => {
      clearTimeout(timer);
      this.waiting.delete(turnId);
      resolveTurn(value);
    };
    this.waiting.set(turnId, finish);
    return { turn, cancel: () => finish(undefined) };
  }
}
