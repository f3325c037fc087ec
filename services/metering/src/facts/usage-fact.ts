import {
  encode,
  UsageChange,
  UsageChannel,
  UsageKind,
  UsageRecordedSchema,
  type UsageChannelName,
  type UsageKindName,
} from '@steward/contracts';

const KINDS: Record<UsageKindName, UsageKind> = {
  answer: UsageKind.ANSWER,
  moderation: UsageKind.MODERATION,
  proactive: UsageKind.PROACTIVE,
  api: UsageKind.API,
};

const CHANNELS: Record<UsageChannelName, UsageChannel> = {
  discord: UsageChannel.DISCORD,
  api: UsageChannel.API,
  widget: UsageChannel.WIDGET,
};

/** A row of `usage_outbox`: one change of usage, written by the transaction that made it. */
export interface UsageOutboxRow {
  id: string;
  change: 'granted' | 'released';
  tenant_id: string;
  operation_id: string;
  /** How many times the operation has been granted (more than once only after a release). */
  grant_no: number;
  kind: UsageKindName;
  channel: UsageChannelName;
  guild_id: string | null;
  period_start: string;
  period_end: string;
  used: number;
  quota: number;
  at: Date;
}

/** The columns to select for a UsageOutboxRow (dates as text, ids as text). */
export const USAGE_OUTBOX_COLUMNS =
  'id::text, change, tenant_id, operation_id, grant_no, kind, channel, guild_id, period_start::text, period_end::text, used, quota, at';

/**
 * The message id of a usage fact: the operation id for its grant, "<id>:release" for its
 * release; a grant after a release gets ids of its own ("<id>:grant:2", "<id>:release:2").
 */
export function usageFactMsgId(row: Pick<UsageOutboxRow, 'change' | 'operation_id' | 'grant_no'>): string {
  const again = row.grant_no > 1 ? `:${row.grant_no}` : '';
  if (row.change === 'released') return `${row.operation_id}:release${again}`;
  return again ? `${row.operation_id}:grant${again}` : row.operation_id;
}

export function encodeUsageFact(row: UsageOutboxRow): Uint8Array {
  return encode(UsageRecordedSchema, {
    tenantId: row.tenant_id,
    operationId: row.operation_id,
    change: row.change === 'granted' ? UsageChange.GRANTED : UsageChange.RELEASED,
    kind: KINDS[row.kind],
    channel: CHANNELS[row.channel],
    guildId: row.guild_id ?? '',
    periodStart: row.period_start,
    periodEnd: row.period_end,
    used: row.used,
    quota: row.quota,
    atMs: BigInt(new Date(row.at).getTime()),
  });
}
