import { Module } from '@nestjs/common';
import { RpcClient } from './rpc.client.js';

@Module({ providers: [RpcClient], exports: [RpcClient] })
export class RpcModule {}
