import type { FastifyRequest } from 'fastify';

/** Who is calling: set on the request by the AuthGuard, read by every route. */
export interface AuthContext {
  tenantId: string;
  /** How the caller proved it (API keys now; the UI's session cookie later). */
  method: 'api_key';
  /** The API key used, when `method` is `api_key`. */
  apiKeyId?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth?: AuthContext;
  }
}

/**
 * One way of proving who the caller is. Returns null when the request does not carry this
 * kind of credential or carries an invalid one; the guard then tries the next.
 */
export interface Authenticator {
  authenticate(request: FastifyRequest): Promise<AuthContext | null>;
}

/** The authenticators the guard tries, in order. */
export const AUTHENTICATORS = Symbol('steward:admin:authenticators');
