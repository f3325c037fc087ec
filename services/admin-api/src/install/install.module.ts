import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { GuildsModule } from '../guilds/guilds.module.js';
import { DiscordOAuthClient } from './discord-oauth.client.js';
import { InstallController } from './install.controller.js';

@Module({
  imports: [AccountsModule, AuthModule, GuildsModule],
  controllers: [InstallController],
  providers: [DiscordOAuthClient],
})
export class InstallModule {}
