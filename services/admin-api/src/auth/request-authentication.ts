import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../http/api-error.js';
import { AUTHENTICATORS, type AuthContext, type Authenticator } from './auth-context.js';

/** Who a request's credentials name, by the first authenticator that recognises them. */
@Injectable()
export class RequestAuthentication {
  constructor(@Inject(AUTHENTICATORS) private readonly authenticators: Authenticator[]) {}

  /** Null when no credential of the request is valid; throws when a valid one must be refused. */
  async authenticate(request: FastifyRequest): Promise<AuthContext | null> {
    for (const authenticator of this.authenticators) {
      const auth = await authenticator.authenticate(request);
      if (auth) return auth;
    }
    return null;
  }

  /**
   * Whether a long-lived request (an event stream) may go on: the key or session it was let in
   * with is not revoked, signed out or expired. Another credential the request also carries
   * (a cookie beside the key) does not keep it open.
   */
  async stillValid(request: FastifyRequest): Promise<boolean> {
    const admitted = request.auth;
    if (!admitted) return false;
    try {
      const auth = await this.authenticate(request);
      return (
        auth !== null &&
        auth.tenantId === admitted.tenantId &&
        auth.method === admitted.method &&
        auth.apiKeyId === admitted.apiKeyId &&
        auth.sessionId === admitted.sessionId
      );
    } catch (error) {
      if (error instanceof ApiError) return false;
      throw error;
    }
  }
}
