import { Injectable } from '@nestjs/common';
import { DataSource, preparedQuery } from '@steward/db';
import type { RememberedTurn } from '../memory/conversation-memory.js';

/**
 * `claimed`, with what an earlier attempt decided to reply (null if none got that far);
 * `done`: answered already; `busy`: another worker holds a live claim.
 */
export type ClaimResult = { kind: 'claimed'; decided: unknown } | { kind: 'done' } | { kind: 'busy' };

/**
 * Makes answering idempotent per request id: a worker claims a request with a lease before
 * generating, records what it decided to reply before posting it, renews the lease while it
 * works and marks the request done once everything is published. A redelivery of a done request
 * is acked without generating again; one whose worker died or failed is taken over when the
 * lease runs out (at once after a failure), and carries on with the reply already decided.
 */
@Injectable()
export class RequestClaims {
  constructor(private readonly dataSource: DataSource) {}

  async claim(requestId: string, tenantId: string, leaseMs: number): Promise<ClaimResult> {
    const { rows: claimed } = await preparedQuery(
      this.dataSource,
      'answer_claim',
      `INSERT INTO handled_requests (request_id, tenant_id, state, lease_until)
       VALUES ($1, $2, 'processing', now() + make_interval(secs => $3))
       ON CONFLICT (request_id) DO UPDATE SET lease_until = EXCLUDED.lease_until
         WHERE handled_requests.state = 'processing' AND handled_requests.lease_until < now()
       RETURNING decided`,
      [requestId, tenantId, leaseMs / 1000],
    );
    if (claimed.length > 0) return { kind: 'claimed', decided: claimed[0]!.decided ?? null };
    const [row] = (await this.dataSource.query('SELECT state FROM handled_requests WHERE request_id = $1', [
      requestId,
    ])) as { state: string }[];
    return { kind: row?.state === 'done' ? 'done' : 'busy' };
  }

  /** Records the reply decided for a claimed request, before any of it is posted. */
  async decide(requestId: string, decided: unknown): Promise<void> {
    await preparedQuery(
      this.dataSource,
      'answer_decide',
      `UPDATE handled_requests SET decided = $2 WHERE request_id = $1 AND state = 'processing'`,
      [requestId, JSON.stringify(decided)],
    );
  }

  async renew(requestId: string, leaseMs: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE handled_requests SET lease_until = now() + make_interval(secs => $2)
       WHERE request_id = $1 AND state = 'processing'`,
      [requestId, leaseMs / 1000],
    );
  }

  /**
   * Marks the request done and, when given, remembers its conversation turn, in one statement:
   * a request is done exactly when its turn is remembered, and a redelivery after a crash
   * before this point finishes the reply decided and remembers it (once). The decided reply is
   * not needed any more once done.
   */
  async complete(
    requestId: string,
    outcome: string,
    replyCommandIds: string[],
    turn?: RememberedTurn,
  ): Promise<void> {
    const remembered = turn?.conversationId ? turn : undefined;
    await preparedQuery(
      this.dataSource,
      'answer_complete',
      `WITH remembered AS (
         INSERT INTO conversation_turns (request_id, tenant_id, conversation_id, question, answer)
         SELECT $1, $4, $5, $6, $7 WHERE $5::text IS NOT NULL
         ON CONFLICT (request_id) DO NOTHING
       )
       UPDATE handled_requests
       SET state = 'done', outcome = $2, reply_command_ids = $3, completed_at = now(), decided = NULL
       WHERE request_id = $1`,
      [
        requestId,
        outcome,
        replyCommandIds,
        remembered?.tenantId ?? null,
        remembered?.conversationId ?? null,
        remembered?.question ?? null,
        remembered?.answer ?? null,
      ],
    );
  }

  /**
   * Lets go of a claim whose work failed, so the redelivery can take it at once instead of after
   * the lease; what was decided stays for it.
   */
  async abandon(requestId: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE handled_requests SET lease_until = now() - interval '1 second'
       WHERE request_id = $1 AND state = 'processing'`,
      [requestId],
    );
  }

  /**
   * Forgets requests older than the streams keep messages (nothing can redeliver them), done
   * or not: one whose deliveries ran out stays `processing`.
   */
  async forgetOlderThan(ageMs: number): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM handled_requests WHERE created_at < now() - make_interval(secs => $1)`,
      [ageMs / 1000],
    );
  }
}
