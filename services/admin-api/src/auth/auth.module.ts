import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccountsModule } from '../accounts/accounts.module.js';
import { ApiKeyAuthenticator } from './api-key.authenticator.js';
import { AUTHENTICATORS } from './auth-context.js';
import { AuthGuard } from './auth.guard.js';

@Module({
  imports: [AccountsModule],
  providers: [
    ApiKeyAuthenticator,
    // The UI's session cookie will join this list.
    {
      provide: AUTHENTICATORS,
      useFactory: (apiKey: ApiKeyAuthenticator) => [apiKey],
      inject: [ApiKeyAuthenticator],
    },
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
})
export class AuthModule {}
