import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccountsModule } from '../accounts/accounts.module.js';
import { ApiKeyAuthenticator } from './api-key.authenticator.js';
import { AUTHENTICATORS } from './auth-context.js';
import { AuthController } from './auth.controller.js';
import { AuthGuard } from './auth.guard.js';
import { LoginThrottle } from './login-throttle.js';
import { RequestAuthentication } from './request-authentication.js';
import { SessionAuthenticator } from './session.authenticator.js';
import { SessionsService } from './sessions.service.js';

@Module({
  imports: [AccountsModule],
  controllers: [AuthController],
  providers: [
    ApiKeyAuthenticator,
    SessionAuthenticator,
    SessionsService,
    LoginThrottle,
    RequestAuthentication,
    // An Authorization header wins over a cookie: programs never need CSRF tokens.
    {
      provide: AUTHENTICATORS,
      useFactory: (apiKey: ApiKeyAuthenticator, session: SessionAuthenticator) => [apiKey, session],
      inject: [ApiKeyAuthenticator, SessionAuthenticator],
    },
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [SessionsService, RequestAuthentication],
})
export class AuthModule {}
