import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/** The caller's tenant id, set by the AuthGuard. Every route scopes its work to it. */
export const TenantId = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const auth = context.switchToHttp().getRequest<FastifyRequest>().auth;
  if (!auth) throw new Error('TenantId used on a route without authentication (marked @Public?)');
  return auth.tenantId;
});
