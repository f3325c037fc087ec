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

/** An attempt under way: counted as a failure until it turns out right. */
export interface LoginAttempt {
  email: string;
  /** The rows that count it against the address and the IP. */
  ids: string[];
}

/**
 * Login rate limiting, per email address and per client IP, in Postgres so that every
 * replica sees the same counts. An attempt is counted before its password is checked, under a
 * lock per address and IP: parallel guesses cannot all pass the check before any is recorded.
 */
@Injectable()
export class LoginThrottle {
  constructor(private readonly db: DataSource) {}

  /** Counts an attempt; throws TooManyAttemptsError when the address or the IP has used up its failures. */
  async begin(email: string, ip: string): Promise<LoginAttempt> {
    const subjects = [emailSubject(email), ipSubject(ip)].sort();
    return this.db.transaction(async (manager) => {
      // Sorted, so two attempts never wait for each other's second lock.
      await manager.query(
        'SELECT pg_advisory_xact_lock(hashtext(subject)) FROM unnest($1::text[]) AS subject',
        [subjects],
      );
      const rows: Array<{ subject: string; failures: number; oldest: Date }> = await manager.query(
        `SELECT subject, count(*)::int AS failures, min(failed_at) AS oldest
           FROM login_failures
          WHERE subject = ANY($1) AND failed_at > now() - make_interval(secs => $2)
          GROUP BY subject`,
        [subjects, LOGIN_WINDOW_MS / 1000],
      );
      let retryAfterMs = 0;
      for (const row of rows) {
        const limit = row.subject.startsWith('email:') ? MAX_FAILURES_PER_EMAIL : MAX_FAILURES_PER_IP;
        if (row.failures >= limit)
          retryAfterMs = Math.max(retryAfterMs, row.oldest.getTime() + LOGIN_WINDOW_MS - Date.now());
      }
      if (retryAfterMs > 0) throw new TooManyAttemptsError(Math.max(1, Math.ceil(retryAfterMs / 1000)));
      const inserted: Array<{ id: string }> = await manager.query(
        'INSERT INTO login_failures (subject) SELECT unnest($1::text[]) RETURNING id::text AS id',
        [subjects],
      );
      return { email, ids: inserted.map((row) => row.id) };
    });
  }

  /** The password was wrong: the attempt stays counted. Old failures are dropped to keep the table small. */
  async failed(): Promise<void> {
    await this.db.query(`DELETE FROM login_failures WHERE failed_at < now() - make_interval(secs => $1)`, [
      LOGIN_WINDOW_MS / 1000,
    ]);
  }

  /** A successful login is not a failure, and forgives the address's earlier failures (not the IP's). */
  async succeeded(attempt: LoginAttempt): Promise<void> {
    await this.db.query('DELETE FROM login_failures WHERE id = ANY($1::bigint[]) OR subject = $2', [
      attempt.ids,
      emailSubject(attempt.email),
    ]);
  }
}

const emailSubject = (email: string) => `email:${email.trim().toLowerCase()}`;
const ipSubject = (ip: string) => `ip:${ip}`;
