import { Module } from '@nestjs/common';
import { GuildsModule } from '../guilds/guilds.module.js';
import { RpcModule } from '../rpc/rpc.module.js';
import { ProactiveHistoryController } from './proactive-history.controller.js';

@Module({ imports: [RpcModule, GuildsModule], controllers: [ProactiveHistoryController] })
export class ProactiveModule {}
