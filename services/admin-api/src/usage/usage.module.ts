import { Module } from '@nestjs/common';
import { RpcModule } from '../rpc/rpc.module.js';
import { UsageController } from './usage.controller.js';

/** `GET /usage` and `GET /plan`, as the metering service counts them. */
@Module({ imports: [RpcModule], controllers: [UsageController] })
export class UsageModule {}
