import { HttpStatus, Injectable } from '@nestjs/common';
import { DataSource } from '@steward/db';
import { ApiError } from '../http/api-error.js';

/** Failed logins counted over this window. */
export const LOGIN_WINDOW_MS = 15 * 60 * 1000;
/** Failures allowed per address within the window (guessing one account's password). */
export const MAX_FAILURES_PER_EMAIL = 5;
/** Failures allowed per client IP within the window (guessing across accounts; offices share IPs). */
export const MAX_FAILURES_PER_IP = 20;

/** Thrown for a throttled login: 429, and how many seconds to wait. */
export class TooManyAttemptsError extends ApiError {
  constructor(readonly retryAfterSeconds: number) {
    super(
      HttpStatus.TOO_MANY_REQUESTS,
      'too_many_attempts',
      `Too many failed sign-in attempts; try again in ${Math.ceil(retryAfterSeconds / 60)} minute(s)`,
    );
  }
}

/**
 * Login rate limiting, per email address and per client IP, in Postgres so that every
 * replica sees the same counts.
 */
@Injectable()
export class LoginThrottle {
  constructor(private readonly db: DataSource) {}

  /** Throws TooManyAttemptsError when the address or the IP has used up its failures. */
  async check(email: string, ip: string): Promise<void> {
    const rows: Array<{ subject: string; failures: number; oldest: Date }> = await this.db.query(
      `SELECT subject, count(*)::int AS failures, min(failed_at) AS oldest
         FROM login_failures
        WHERE subject = ANY($1) AND failed_at > now() - make_interval(secs => $2)
        GROUP BY subject`,
      [[emailSubject(email), ipSubject(ip)], LOGIN_WINDOW_MS / 1000],
    );
    let retryAfterMs = 0;
    for (const row of rows) {
      const limit = row.subject.startsWith('email:') ? MAX_FAILURES_PER_EMAIL : MAX_FAILURES_PER_IP;
      if (row.failures >= limit)
        retryAfterMs = Math.max(retryAfterMs, row.oldest.getTime() + LOGIN_WINDOW_MS - Date.now());
    }
    if (retryAfterMs > 0) throw new TooManyAttemptsError(Math.max(1, Math.ceil(retryAfterMs / 1000)));
  }

  async recordFailure(email: string, ip: string): Promise<void> {
    await this.db.query(`INSERT INTO login_failures (subject) VALUES ($1), ($2)`, [
      emailSubject(email),
      ipSubject(ip),
    ]);
    // Keep the table small: nothing older than the window counts.
    await this.db.query(`DELETE FROM login_failures WHERE failed_at < now() - make_interval(secs => $1)`, [
      LOGIN_WINDOW_MS / 1000,
    ]);
  }

  /** A successful login forgives the address's failures (not the IP's). */
  async clear(email: string): Promise<void> {
    await this.db.query('DELETE FROM login_failures WHERE subject = $1', [emailSubject(email)]);
  }
}

const emailSubject = (email: string) => `email:${email.trim().toLowerCase()}`;
const ipSubject = (ip: string) => `ip:${ip}`;
