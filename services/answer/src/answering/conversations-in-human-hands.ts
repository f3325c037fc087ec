import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Bus } from '@steward/bus';
import { LOGGER, TakeoverMirror } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';

/**
 * The conversations a person has taken over (KV `takeover`, kept by the router and takeover
 * services). The router stops routing a member's messages once a person is in charge, but a
 * question routed just before can still be waiting here, or generating: it is checked again
 * before the bot spends a message on it.
 */
@Injectable()
export class ConversationsInHumanHands implements OnModuleDestroy {
  private readonly mirror: TakeoverMirror;

  constructor(bus: Bus, @Inject(LOGGER) logger: Logger) {
    this.mirror = TakeoverMirror.follow(bus, logger);
  }

  holds(conversationId: string): boolean {
    return conversationId !== '' && this.mirror.holds(conversationId);
  }

  onModuleDestroy(): void {
    this.mirror.close();
  }
}
