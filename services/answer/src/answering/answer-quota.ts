import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import { Bus, RpcError } from '@steward/bus';
import { ZodError } from 'zod';
import {
  AnswerOrigin,
  MeteringRpc,
  type AnswerRequested,
  type MeteringReply,
  type MeteringRequest,
  type ReserveDenial,
} from '@steward/contracts';
import { CONFIG, LOGGER } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import type { AnswerConfig } from '../config.js';
import { quotaDecisions } from './metrics.js';

export type QuotaDecision = { granted: true } | { granted: false; reason: ReserveDenial };

/** Metering did not answer; the request is retried later rather than answered unmetered. */
export class MeteringUnavailableError extends Error {
  override readonly name = 'MeteringUnavailableError';
}

const DISCORD_ID = /^\d{15,21}$/;

/** Pauses between reservation attempts while metering is unreachable. */
const METERING_RETRY_PAUSES_MS = [250, 1_000, 2_000, 5_000];

/** Metering unreachable or failing; a reply that does not parse is a bug, not an outage, and is rethrown. */
function isUnavailable(error: unknown): boolean {
  return !(error instanceof ZodError);
}

/** One answer = one message of the tenant's quota; the operation id is stable across redeliveries. */
export function answerOperationId(requestId: string): string {
  return `answer:${requestId}`;
}

/** What an answer counts as: the chat API has its own kind and channel, everything else is Discord. */
export function reservationFor(request: AnswerRequested): MeteringRequest<'reserve'> {
  const viaApi = request.origin === AnswerOrigin.CHAT_API;
  return {
    tenantId: request.tenantId,
    operationId: answerOperationId(request.requestId),
    kind: viaApi ? 'api' : 'answer',
    channel: viaApi ? 'api' : 'discord',
    guildId: DISCORD_ID.test(request.guildId) ? request.guildId : undefined,
  };
}

/**
 * Reserves (and gives back) the message an answer costs, through the metering service.
 * A tenant that is refused is logged once when it stops and once when it resumes (per
 * replica), not on every question: members are not told each time either.
 */
@Injectable()
export class AnswerQuota {
  /** Tenants this replica has seen refused, with the reason, until a reservation is granted again. */
  private readonly stopped = new Map<string, ReserveDenial>();

  constructor(
    private readonly bus: Bus,
    @Inject(CONFIG) private readonly config: AnswerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Asks metering for the answer's message, waiting up to ANSWER_METERING_WAIT_MS for it to
   * come back when it is down (less when `stopping` aborts); then throws
   * MeteringUnavailableError, and the bus delivers the question again later.
   */
  async reserve(request: AnswerRequested, stopping?: AbortSignal): Promise<QuotaDecision> {
    const reservation = reservationFor(request);
    const giveUpAt = Date.now() + this.config.ANSWER_METERING_WAIT_MS;
    for (let attempt = 0; ; attempt += 1) {
      try {
        const reply = MeteringRpc.reserve.reply.parse(
          await this.bus.requestJson(
            MeteringRpc.reserve.subject,
            MeteringRpc.reserve.request.parse(reservation),
            { timeoutMs: this.config.ANSWER_METERING_TIMEOUT_MS },
          ),
        );
        return this.decided(request, reservation.kind, reply);
      } catch (error) {
        if (!isUnavailable(error)) throw error;
        quotaDecisions.inc({ decision: 'unavailable' });
        const pause = METERING_RETRY_PAUSES_MS[Math.min(attempt, METERING_RETRY_PAUSES_MS.length - 1)]!;
        if (Date.now() + pause > giveUpAt || stopping?.aborted) {
          const reason = error instanceof RpcError ? `${error.code}: ${error.message}` : String(error);
          throw new MeteringUnavailableError(
            `metering did not reserve ${reservation.operationId} (${reason})`,
            { cause: error },
          );
        }
        if (attempt === 0) {
          this.logger.warn({ operationId: reservation.operationId }, 'metering did not answer: waiting for it');
        }
        // A stopping replica hands the question back at once; another one retries it.
        await sleep(pause, undefined, { signal: stopping }).catch(() => undefined);
      }
    }
  }

  private decided(
    request: AnswerRequested,
    kind: string,
    reply: MeteringReply<'reserve'>,
  ): QuotaDecision {
    const tenantId = request.tenantId;
    if (reply.granted) {
      quotaDecisions.inc({ decision: 'granted' });
      if (this.stopped.delete(tenantId)) {
        this.logger.info({ tenantId }, 'answers resumed for this tenant: its quota allows them again');
      }
      return { granted: true };
    }
    const reason = reply.reason ?? 'quota_exceeded';
    quotaDecisions.inc({ decision: reason });
    if (this.stopped.get(tenantId) !== reason) {
      this.stopped.set(tenantId, reason);
      this.logger.warn({ tenantId, reason, kind }, STOP_MESSAGES[reason]);
    }
    return { granted: false, reason };
  }

  /** Gives back the message of an answer that was never produced; a failure here only costs the tenant one message. */
  async release(request: AnswerRequested): Promise<void> {
    const operationId = answerOperationId(request.requestId);
    try {
      const reply = MeteringRpc.release.reply.parse(
        await this.bus.requestJson(
          MeteringRpc.release.subject,
          MeteringRpc.release.request.parse({ tenantId: request.tenantId, operationId }),
          { timeoutMs: this.config.ANSWER_METERING_TIMEOUT_MS },
        ),
      );
      if (reply.released) quotaDecisions.inc({ decision: 'released' });
    } catch (error) {
      this.logger.warn({ err: error, operationId }, 'could not give back the message of a failed answer');
    }
  }
}

const STOP_MESSAGES: Record<ReserveDenial, string> = {
  quota_exceeded:
    'answers stopped for this tenant: the monthly message quota is used up (until the next period or a plan upgrade)',
  plan_excludes_discord: 'answers stopped for this tenant: its plan does not include Discord',
  no_subscription: 'answers stopped for this tenant: it has no subscription in metering',
};
