import { HttpStatus, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../http/api-error.js';
import type { AuthContext, Authenticator } from './auth-context.js';
import { CSRF_HEADER, readCookie, SESSION_COOKIE } from './cookies.js';
import { csrfTokenMatches, SessionsService } from './sessions.service.js';

/** Methods that change something: with a session cookie they must prove they come from our page. */
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The dashboard's `steward_session` cookie. Unsafe methods also need the `X-CSRF-Token`
 * header carrying the `steward_csrf` cookie's value (double submit): another site can make
 * the browser send the cookie, but cannot read it to set the header.
 */
@Injectable()
export class SessionAuthenticator implements Authenticator {
  constructor(private readonly sessions: SessionsService) {}

  async authenticate(request: FastifyRequest): Promise<AuthContext | null> {
    const token = readCookie(request.headers.cookie, SESSION_COOKIE);
    if (!token) return null;
    const session = await this.sessions.find(token);
    if (!session) return null;
    if (UNSAFE_METHODS.has(request.method)) {
      const header = request.headers[CSRF_HEADER];
      if (!csrfTokenMatches(token, Array.isArray(header) ? header[0] : header)) {
        throw new ApiError(
          HttpStatus.FORBIDDEN,
          'csrf_failed',
          'Send the value of the steward_csrf cookie in the X-CSRF-Token header',
        );
      }
    }
    return {
      tenantId: session.tenantId,
      method: 'session',
      role: session.role,
      userId: session.userId,
      sessionId: session.sessionId,
    };
  }
}
