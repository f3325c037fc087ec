import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { LOGGER } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import { RequestClaims } from './answering/request-claims.js';
import { ConversationMemory } from './memory/conversation-memory.js';

const EVERY_MS = 10 * 60 * 1000;
/** Longer than the STEWARD stream keeps an AnswerRequested, so no redelivery outlives its claim. */
const HANDLED_REQUEST_RETENTION_MS = 8 * 24 * 60 * 60 * 1000;

/** Forgets expired conversation memory and old idempotency records, now and then. */
@Injectable()
export class Housekeeping implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly memory: ConversationMemory,
    private readonly claims: RequestClaims,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.run(), EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async run(): Promise<void> {
    try {
      const forgotten = await this.memory.forgetExpired();
      await this.claims.forgetOlderThan(HANDLED_REQUEST_RETENTION_MS);
      if (forgotten > 0) this.logger.debug({ turns: forgotten }, 'expired conversation memory forgotten');
    } catch (error) {
      this.logger.warn({ err: error }, 'housekeeping failed');
    }
  }
}
