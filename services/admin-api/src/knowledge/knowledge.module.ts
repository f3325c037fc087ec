import { Module } from '@nestjs/common';
import { RpcModule } from '../rpc/rpc.module.js';
import { KnowledgeImports } from './knowledge-imports.js';
import { KnowledgeController, KnowledgeInsightsController } from './knowledge.controller.js';

@Module({
  imports: [RpcModule],
  controllers: [KnowledgeController, KnowledgeInsightsController],
  providers: [KnowledgeImports],
})
export class KnowledgeModule {}
