import { Inject, Module, type DynamicModule, type OnModuleDestroy } from '@nestjs/common';
import { Bus } from '@steward/bus';
import { LOGGER } from '@steward/runtime';
import { BotApplications, SecretBox } from '@steward/secrets';
import type { Logger } from '@steward/telemetry';
import { CommandOutcomes } from './commands/command-outcomes.js';
import { CommandProcessor } from './commands/command-processor.js';
import { CommandsController } from './commands/commands.controller.js';
import type { EgressConfig } from './config.js';
import { BOT_CREDENTIALS, PlatformBotCredentials, TenantBotCredentials } from './credentials/bot-credentials.js';
import { GlobalLimitShare } from './discord/global-limit-share.js';
import { DiscordRestClients } from './discord/rest-clients.js';

/** Stops watching KV `config-apps` when the service stops. */
class TenantBotsLifecycle implements OnModuleDestroy {
  constructor(@Inject(BotApplications) private readonly tenantBots: BotApplications) {}
  onModuleDestroy(): void {
    this.tenantBots.close();
  }
}

@Module({})
export class AppModule {
  static forConfig(config: EgressConfig): DynamicModule {
    return {
      module: AppModule,
      controllers: [CommandsController],
      providers: [
        {
          provide: BotApplications,
          inject: [Bus, LOGGER],
          useFactory: (bus: Bus, logger: Logger) =>
            BotApplications.open(bus, { secrets: SecretBox.fromEnv(config), logger }),
        },
        TenantBotsLifecycle,
        {
          provide: BOT_CREDENTIALS,
          inject: [BotApplications],
          useFactory: (tenantBots: BotApplications) =>
            new TenantBotCredentials(PlatformBotCredentials.fromConfig(config), tenantBots),
        },
        DiscordRestClients,
        GlobalLimitShare,
        CommandOutcomes,
        CommandProcessor,
      ],
    };
  }
}
