import { Module } from '@nestjs/common';
import { GuildsModule } from '../guilds/guilds.module.js';
import { RpcModule } from '../rpc/rpc.module.js';
import { ModerationLogController } from './moderation-log.controller.js';

@Module({ imports: [RpcModule, GuildsModule], controllers: [ModerationLogController] })
export class ModerationLogModule {}
