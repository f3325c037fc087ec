import { Inject, Module, type OnModuleDestroy } from '@nestjs/common';
import { Bus } from '@steward/bus';
import { CONFIG, guildConfigStoreProvider, LOGGER, TakeoverMirror } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import { BotApplications, SecretBox } from '@steward/secrets';
import { CommandRegistration, TenantCommandRegistration } from './commands/command-registration.js';
import { GatewayInteractionsController } from './commands/gateway-interactions.controller.js';
import { InteractionHandler } from './commands/interaction-handler.js';
import type { InteractionsConfig } from './config.js';
import { ApplicationKeys } from './webhook/application-keys.js';
import { WebhookController } from './webhook/webhook.controller.js';

class ConfigWatchersLifecycle implements OnModuleDestroy {
  constructor(
    @Inject(BotApplications) private readonly tenantBots: BotApplications,
    @Inject(TakeoverMirror) private readonly takeovers: TakeoverMirror,
  ) {}
  onModuleDestroy() {
    this.tenantBots.close();
    this.takeovers.close();
  }
}

@Module({
  controllers: [WebhookController, GatewayInteractionsController],
  providers: [
    ApplicationKeys,
    InteractionHandler,
    CommandRegistration,
    TenantCommandRegistration,
    ConfigWatchersLifecycle,
    {
      provide: BotApplications,
      inject: [Bus, CONFIG, LOGGER, TenantCommandRegistration],
      useFactory: (bus: Bus, config: InteractionsConfig, logger: Logger, registration: TenantCommandRegistration) =>
        BotApplications.open(bus, {
          secrets: SecretBox.fromEnv(config),
          logger,
          onChange: (applicationId, application) => registration.applicationChanged(applicationId, application),
        }),
    },
    {
      // KV `takeover` belongs to the router and takeover services (with their window).
      provide: TakeoverMirror,
      inject: [Bus, LOGGER],
      useFactory: (bus: Bus, logger: Logger) => TakeoverMirror.follow(bus, logger),
    },
    guildConfigStoreProvider,
  ],
})
export class InteractionsModule {}
