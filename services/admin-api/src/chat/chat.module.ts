import { Module } from '@nestjs/common';
import { RpcModule } from '../rpc/rpc.module.js';
import { ChatController } from './chat.controller.js';
import { ChatService } from './chat.service.js';
import { ConversationTurns } from './conversation-turns.js';

/** `POST /chat`: questions answered by the answer service, counted by metering. */
@Module({
  imports: [RpcModule],
  controllers: [ChatController],
  providers: [ChatService, ConversationTurns],
})
export class ChatModule {}
