import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../http/api-error.js';
import { AUTHENTICATORS, type Authenticator } from './auth-context.js';
import { IS_PUBLIC } from './public.decorator.js';

/**
 * Every route requires a caller who proves who they are, unless marked `@Public()`. The
 * first authenticator that recognises the request sets `request.auth`; with none, 401.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(AUTHENTICATORS) private readonly authenticators: Authenticator[],
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]))
      return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    for (const authenticator of this.authenticators) {
      const auth = await authenticator.authenticate(request);
      if (auth) {
        request.auth = auth;
        return true;
      }
    }
    throw ApiError.unauthorized();
  }
}
