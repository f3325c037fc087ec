import { Module, type DynamicModule } from '@nestjs/common';
import { CommandOutcomes } from './commands/command-outcomes.js';
import { CommandProcessor } from './commands/command-processor.js';
import { CommandsController } from './commands/commands.controller.js';
import type { EgressConfig } from './config.js';
import { BOT_CREDENTIALS, PlatformBotCredentials } from './credentials/bot-credentials.js';
import { DiscordRestClients } from './discord/rest-clients.js';

@Module({})
export class AppModule {
  static forConfig(config: EgressConfig): DynamicModule {
    return {
      module: AppModule,
      controllers: [CommandsController],
      providers: [
        { provide: BOT_CREDENTIALS, useValue: PlatformBotCredentials.fromConfig(config) },
        DiscordRestClients,
        CommandOutcomes,
        CommandProcessor,
      ],
    };
  }
}
