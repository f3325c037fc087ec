import { Injectable } from '@nestjs/common';
import { DataSource } from '@steward/db';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Role } from '../accounts/user.entity.js';
import { Session } from './session.entity.js';

/** How long a login lasts. */
export const SESSION_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export interface IssuedSession {
  session: Session;
  /** The cookie value: shown to the browser once, stored only as a hash. */
  token: string;
  /** The CSRF token that belongs to this session (double-submit cookie). */
  csrfToken: string;
}

export interface ActiveSession {
  sessionId: string;
  tenantId: string;
  userId: string;
  role: Role;
}

/** Dashboard sessions: random tokens, SHA-256 in the `sessions` table, a fixed lifetime. */
@Injectable()
export class SessionsService {
  constructor(private readonly db: DataSource) {}

  async create(user: { id: string; tenantId: string }, now: Date = new Date()): Promise<IssuedSession> {
    const token = randomBytes(32).toString('base64url');
    // Expired rows are of no use to anyone; a login is a good moment to sweep them.
    await this.db.query('DELETE FROM sessions WHERE expires_at < now()');
    const session = await this.db.getRepository(Session).save(
      this.db.getRepository(Session).create({
        tokenHash: hashToken(token),
        userId: user.id,
        tenantId: user.tenantId,
        expiresAt: new Date(now.getTime() + SESSION_LIFETIME_MS),
      }),
    );
    return { session, token, csrfToken: csrfTokenFor(token) };
  }

  /** The live session the cookie names, with the user's current role; null when unknown or expired. */
  async find(token: string): Promise<ActiveSession | null> {
    if (!TOKEN_PATTERN.test(token)) return null;
    const rows: Array<{ id: string; tenant_id: string; user_id: string; role: Role }> = await this.db.query(
      `SELECT s.id, s.tenant_id, s.user_id, u.role
         FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE s.token_hash = $1 AND s.expires_at > now()`,
      [hashToken(token)],
    );
    const row = rows[0];
    return row ? { sessionId: row.id, tenantId: row.tenant_id, userId: row.user_id, role: row.role } : null;
  }

  async revoke(sessionId: string): Promise<void> {
    await this.db.getRepository(Session).delete({ id: sessionId });
  }
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * The CSRF token is derived from the session token, so a cookie planted by another site
 * (without the session) can never carry the right value.
 */
export function csrfTokenFor(sessionToken: string): string {
  return createHash('sha256').update(`steward:csrf:${sessionToken}`, 'utf8').digest('base64url');
}

export function csrfTokenMatches(sessionToken: string, candidate: string | undefined): boolean {
  if (!candidate) return false;
  const expected = Buffer.from(csrfTokenFor(sessionToken));
  const given = Buffer.from(candidate);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
