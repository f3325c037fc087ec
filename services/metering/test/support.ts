import { Bus, RpcError } from '@steward/bus';
import {
  decode,
  MeteringRpc,
  usageRecordedSubject,
  UsageRecordedSchema,
  type MeteringReply,
  type MeteringRequest,
  type MeteringRpcName,
  type UsageRecorded,
} from '@steward/contracts';
import type { DataSource } from '@steward/db';
import type { Clock } from '../src/clock.js';

/** A clock the test moves by hand. */
export class ManualClock implements Clock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current);
  }
  set(iso: string): void {
    this.current = new Date(iso);
  }
}

/** Calls a metering RPC the way other services do: JSON over NATS request/reply. */
export function meteringClient(bus: Bus) {
  return <N extends MeteringRpcName>(
    name: N,
    body: MeteringRequest<N>,
    timeoutMs = 10_000,
  ): Promise<MeteringReply<N>> =>
    bus.requestJson<MeteringReply<N>>(MeteringRpc[name].subject, body, { timeoutMs });
}

export function expectRpcError(error: unknown): RpcError {
  if (!(error instanceof RpcError)) throw new Error(`expected an RpcError, got ${String(error)}`);
  return error;
}

/** Every usage fact of a tenant on the STEWARD stream, with its Nats-Msg-Id, oldest first. */
export async function usageFacts(
  bus: Bus,
  tenantId: string,
): Promise<Array<{ msgId: string; fact: UsageRecorded }>> {
  const { state } = await bus.jsm.streams.info('STEWARD');
  const facts: Array<{ msgId: string; fact: UsageRecorded }> = [];
  for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
    const message = await bus.jsm.streams.getMessage('STEWARD', { seq }).catch(() => null);
    if (message?.subject !== usageRecordedSubject) continue;
    const fact = decode(UsageRecordedSchema, message.data);
    if (fact.tenantId === tenantId) facts.push({ msgId: message.header.get('Nats-Msg-Id'), fact });
  }
  return facts;
}

/** Sets how much of a period a tenant has used already (test set-up only). */
export async function presetUsage(
  db: DataSource,
  tenantId: string,
  used: number,
  period = { start: '2025-03-01', end: '2025-04-01' },
): Promise<void> {
  await db.query(
    `INSERT INTO period_usage (tenant_id, period_start, period_end, quota, used) VALUES ($1, $2, $3, 0, $4)
     ON CONFLICT (tenant_id, period_start) DO UPDATE SET used = EXCLUDED.used`,
    [tenantId, period.start, period.end, used],
  );
}
