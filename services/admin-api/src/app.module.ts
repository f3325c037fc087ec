import { Module, RequestMethod, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AccountsModule } from './accounts/accounts.module.js';
import { AuthModule } from './auth/auth.module.js';
import { BotModule } from './bot/bot.module.js';
import { ApiKeysModule } from './api-keys/api-keys.module.js';
import { GuildsModule } from './guilds/guilds.module.js';
import { InstallModule } from './install/install.module.js';
import { ModerationLogModule } from './moderation-log/moderation-log.module.js';
import { ProactiveModule } from './proactive/proactive.module.js';
import { TeamModule } from './team/team.module.js';
import { ApiExceptionFilter } from './http/api-exception.filter.js';
import { HttpMetrics } from './http/http-metrics.js';
import { RequireJsonMiddleware } from './http/require-json.middleware.js';
import { ZodValidationPipe } from './http/zod-validation.pipe.js';
import { KnowledgeModule } from './knowledge/knowledge.module.js';
import { API_PREFIX } from './http/api-prefix.js';
import { UsageModule } from './usage/usage.module.js';
import { ChatModule } from './chat/chat.module.js';
import { ConversationsModule } from './conversations/conversations.module.js';
import { LiveModule } from './live/live.module.js';
import { OpenApiModule } from './openapi/openapi.module.js';
import { UiModule } from './ui/ui.module.js';

@Module({
  imports: [
    AccountsModule,
    AuthModule,
    KnowledgeModule,
    BotModule,
    OpenApiModule,
    ApiKeysModule,
    TeamModule,
    GuildsModule,
    InstallModule,
    ModerationLogModule,
    ProactiveModule,
    UiModule,
    UsageModule,
    ChatModule,
    ConversationsModule,
    LiveModule,
  ],
  providers: [
    { provide: APP_FILTER, useClass: ApiExceptionFilter },
    { provide: APP_PIPE, useClass: ZodValidationPipe },
    HttpMetrics,
  ],
})
export class AppModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(RequireJsonMiddleware)
      // File uploads are multipart/form-data (CSRF-checked like every other cookie request).
      .exclude({ path: `${API_PREFIX}/knowledge/documents/upload`, method: RequestMethod.POST })
      .forRoutes('*path');
  }
}
