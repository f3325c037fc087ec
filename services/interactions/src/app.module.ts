import { Inject, Module, type OnModuleDestroy } from '@nestjs/common';
import { Bus } from '@steward/bus';
import { CONFIG, guildConfigStoreProvider, LOGGER, takeoverMirrorProvider } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import { BotApplications, SecretBox } from '@steward/secrets';
import { ChannelParents } from './commands/channel-parents.js';
import { CommandRegistration, TenantCommandRegistration } from './commands/command-registration.js';
import { GatewayInteractionsController } from './commands/gateway-interactions.controller.js';
import { InteractionHandler } from './commands/interaction-handler.js';
import type { InteractionsConfig } from './config.js';
import { ApplicationKeys } from './webhook/application-keys.js';
import { WebhookController } from './webhook/webhook.controller.js';

class ConfigWatchersLifecycle implements OnModuleDestroy {
  constructor(@Inject(BotApplications) private readonly tenantBots: BotApplications) {}
  onModuleDestroy() {
    this.tenantBots.close();
  }
}

@Module({
  controllers: [WebhookController, GatewayInteractionsController],
  providers: [
    ApplicationKeys,
    InteractionHandler,
    ChannelParents,
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
    takeoverMirrorProvider,
    guildConfigStoreProvider,
  ],
})
export class InteractionsModule {}
