import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { ConversationsModule } from '../conversations/conversations.module.js';
import { LiveController } from './live.controller.js';
import { LiveFeed } from './live-feed.js';

@Module({ imports: [AuthModule, ConversationsModule], controllers: [LiveController], providers: [LiveFeed] })
export class LiveModule {}
