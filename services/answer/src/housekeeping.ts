import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { LOGGER, PeriodicTask } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import { RequestClaims } from './answering/request-claims.js';
import { ConversationMemory } from './memory/conversation-memory.js';

const EVERY_MS = 10 * 60 * 1000;
/** Longer than the STEWARD stream keeps an AnswerRequested, so no redelivery outlives its claim. */
const HANDLED_REQUEST_RETENTION_MS = 8 * 24 * 60 * 60 * 1000;

/** Forgets expired conversation memory and old idempotency records, now and then. */
@Injectable()
export class Housekeeping implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly task: PeriodicTask;

  constructor(
    private readonly memory: ConversationMemory,
    private readonly claims: RequestClaims,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.task = new PeriodicTask(
      () => this.run(),
      EVERY_MS,
      (error) => this.logger.warn({ err: error }, 'housekeeping failed'),
    );
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.task.stop();
  }

  async run(): Promise<void> {
    const forgotten = await this.memory.forgetExpired();
    await this.claims.forgetOlderThan(HANDLED_REQUEST_RETENTION_MS);
    if (forgotten > 0) this.logger.debug({ turns: forgotten }, 'expired conversation memory forgotten');
  }
}
