import { Module } from '@nestjs/common';
import { RpcModule } from '../rpc/rpc.module.js';
import { AgentIdentities } from './agent-identity.js';
import { ConversationsController } from './conversations.controller.js';
import { PlanGate } from './plan-gate.js';

@Module({
  imports: [RpcModule],
  controllers: [ConversationsController],
  providers: [PlanGate, AgentIdentities],
  exports: [PlanGate],
})
export class ConversationsModule {}
