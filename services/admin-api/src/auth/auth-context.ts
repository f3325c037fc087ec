import type { FastifyRequest } from 'fastify';
import type { Role } from '../accounts/user.entity.js';

/** Who is calling: set on the request by the AuthGuard, read by every route. */
export interface AuthContext {
  tenantId: string;
  /** How the caller proved it: an API key (programs) or the dashboard's session cookie. */
  method: 'api_key' | 'session';
  /** What the caller may do; API keys act for the tenant's owner. */
  role: Role;
  /** The API key used, when `method` is `api_key`. */
  apiKeyId?: string;
  /** The signed-in user and their session, when `method` is `session`. */
  userId?: string;
  sessionId?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth?: AuthContext;
  }
}

/**
 * One way of proving who the caller is. Returns null when the request does not carry this
 * kind of credential or carries an invalid one; the guard then tries the next. Throws an
 * ApiError when the credential is valid but the request must still be refused (CSRF).
 */
export interface Authenticator {
  authenticate(request: FastifyRequest): Promise<AuthContext | null>;
}

/** The authenticators the guard tries, in order. */
export const AUTHENTICATORS = Symbol('steward:admin:authenticators');
