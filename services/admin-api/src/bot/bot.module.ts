import { Module } from '@nestjs/common';
import { CryptoModule } from '../crypto/secret-box.provider.js';
import { BotConfigPublisher } from './bot-config.publisher.js';
import { BotController } from './bot.controller.js';
import { BotsService } from './bots.service.js';
import { DiscordBotVerifier } from './discord-bot-verifier.js';

@Module({
  imports: [CryptoModule],
  controllers: [BotController],
  providers: [BotsService, BotConfigPublisher, DiscordBotVerifier],
})
export class BotModule {}
