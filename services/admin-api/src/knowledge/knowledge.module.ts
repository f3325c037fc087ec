import { Module } from '@nestjs/common';
import { RpcModule } from '../rpc/rpc.module.js';
import { KnowledgeController } from './knowledge.controller.js';

@Module({ imports: [RpcModule], controllers: [KnowledgeController] })
export class KnowledgeModule {}
