import { Module } from '@nestjs/common';
import { RpcModule } from '../rpc/rpc.module.js';
import { DirectoryClient } from './directory.client.js';
import { GatewayStatusReader } from './gateway-status.reader.js';
import { GuildConfigPublisher } from './guild-config.publisher.js';
import { GuildsController } from './guilds.controller.js';
import { GuildsService } from './guilds.service.js';

@Module({
  imports: [RpcModule],
  controllers: [GuildsController],
  providers: [GuildsService, GuildConfigPublisher, DirectoryClient, GatewayStatusReader],
  exports: [GuildsService, GuildConfigPublisher],
})
export class GuildsModule {}
