import { HttpStatus, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../http/api-error.js';
import { IS_PUBLIC } from './public.decorator.js';
import { RequestAuthentication } from './request-authentication.js';
import { OWNER_ONLY } from './roles.decorator.js';

/**
 * Every route requires a caller who proves who they are, unless marked `@Public()`. The
 * first authenticator that recognises the request sets `request.auth`; with none, 401.
 * Routes marked `@OwnerOnly()` refuse agents with 403.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authentication: RequestAuthentication,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]))
      return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const auth = await this.authentication.authenticate(request);
    if (!auth) throw ApiError.unauthorized();
    request.auth = auth;
    const ownerOnly = this.reflector.getAllAndOverride<boolean>(OWNER_ONLY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (ownerOnly && auth.role !== 'owner')
      throw new ApiError(HttpStatus.FORBIDDEN, 'forbidden', 'Only the owner of the account can do this');
    return true;
  }
}
