import { Inject, Injectable } from '@nestjs/common';
import { Bus, RpcError } from '@steward/bus';
import {
  AnswerOrigin,
  MeteringRpc,
  type AnswerRequested,
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

  /** Throws MeteringUnavailableError when metering does not answer in time. */
  async reserve(request: AnswerRequested): Promise<QuotaDecision> {
    const reservation = reservationFor(request);
    let reply;
    try {
      reply = MeteringRpc.reserve.reply.parse(
        await this.bus.requestJson(
          MeteringRpc.reserve.subject,
          MeteringRpc.reserve.request.parse(reservation),
          { timeoutMs: this.config.ANSWER_METERING_TIMEOUT_MS },
        ),
      );
    } catch (error) {
      quotaDecisions.inc({ decision: 'unavailable' });
      const reason = error instanceof RpcError ? `${error.code}: ${error.message}` : String(error);
      throw new MeteringUnavailableError(`metering did not reserve ${reservation.operationId} (${reason})`, {
        cause: error,
      });
    }

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
      this.logger.warn({ tenantId, reason, kind: reservation.kind }, STOP_MESSAGES[reason]);
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
