import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AccountsModule } from './accounts/accounts.module.js';
import { AuthModule } from './auth/auth.module.js';
import { ApiExceptionFilter } from './http/api-exception.filter.js';
import { HttpMetrics } from './http/http-metrics.js';
import { RequireJsonMiddleware } from './http/require-json.middleware.js';
import { ZodValidationPipe } from './http/zod-validation.pipe.js';
import { KnowledgeModule } from './knowledge/knowledge.module.js';
import { OpenApiModule } from './openapi/openapi.module.js';

@Module({
  imports: [AccountsModule, AuthModule, KnowledgeModule, OpenApiModule],
  providers: [
    { provide: APP_FILTER, useClass: ApiExceptionFilter },
    { provide: APP_PIPE, useClass: ZodValidationPipe },
    HttpMetrics,
  ],
})
export class AppModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequireJsonMiddleware).forRoutes('*path');
  }
}
