import { Module } from '@nestjs/common';
import { createModerationJudge } from '@steward/ai';
import { CONFIG, guildConfigStoreProvider, LOGGER } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import { KickBanBreaker } from './breaker/kick-ban-breaker.js';
import type { ModerationConfig } from './config.js';
import { GuildDirectoryClient } from './directory/guild-directory.client.js';
import { MessageEventsController } from './events/message-events.controller.js';
import { RecentMessages } from './events/recent-messages.js';
import { ActionedFacts } from './facts/actioned-facts.js';
import { ModerationLogController } from './log/moderation-log.controller.js';
import { ModerationLogStore } from './log/moderation-log.store.js';
import { PendingActionsSweeper } from './log/pending-actions.sweeper.js';
import { MODERATION_JUDGE, ModerationEvents, ModerationPipeline } from './pipeline/moderation-pipeline.js';
import { QuotaGate } from './quota/quota-gate.js';
import { UnmeteredChecks } from './quota/unmetered-checks.js';
import { EgressResultsController } from './results/egress-results.controller.js';

@Module({
  controllers: [MessageEventsController, EgressResultsController, ModerationLogController],
  providers: [
    guildConfigStoreProvider,
    {
      provide: MODERATION_JUDGE,
      inject: [CONFIG, LOGGER],
      useFactory: (config: ModerationConfig, logger: Logger) =>
        createModerationJudge({
          anthropicApiKey: config.ANTHROPIC_API_KEY,
          anthropicBaseUrl: config.ANTHROPIC_BASE_URL,
          model: config.ANTHROPIC_FAST_MODEL,
          timeoutMs: config.MODERATION_JUDGE_TIMEOUT_MS,
          logger,
        }),
    },
    GuildDirectoryClient,
    RecentMessages,
    QuotaGate,
    UnmeteredChecks,
    ModerationLogStore,
    PendingActionsSweeper,
    KickBanBreaker,
    ActionedFacts,
    ModerationEvents,
    ModerationPipeline,
  ],
})
export class ModerationModule {}
