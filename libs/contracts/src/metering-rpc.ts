/**
 * Request/reply contracts of the metering service (core NATS, JSON validated with zod on
 * both sides): quota reservations, usage for the dashboard, plan entitlements and the
 * tenant's subscription. The usage fact itself is the protobuf `UsageRecorded`.
 */
import { z } from 'zod';

/** The fact published for every granted or released operation (payload `UsageRecorded`). */
export const usageRecordedSubject = 'steward.usage.recorded';

export const planIds = ['free', 'starter', 'standard', 'pro'] as const;
export type PlanId = (typeof planIds)[number];

/** What a metered operation is for; each counts as one message. */
export const usageKinds = ['answer', 'moderation', 'proactive', 'api'] as const;
export type UsageKindName = (typeof usageKinds)[number];

/** Where the operation came from; the quota is shared by all of them. */
export const usageChannels = ['discord', 'api', 'widget'] as const;
export type UsageChannelName = (typeof usageChannels)[number];

/** Why a reservation was refused. */
export const reserveDenials = ['no_subscription', 'plan_excludes_discord', 'quota_exceeded'] as const;
export type ReserveDenial = (typeof reserveDenials)[number];

const tenantId = z
  .string()
  .trim()
  .min(1, 'tenantId must not be empty')
  .max(64, 'tenantId is longer than 64 characters');
const operationId = z
  .string()
  .trim()
  .min(1, 'operationId must not be empty')
  .max(200, 'operationId is longer than 200 characters');
const isoDate = z.iso.date('must be a date as YYYY-MM-DD');
/** A day a billing period can hold: from 2000 on, and before the calendar's last year (9999). */
export const billingDay = isoDate.refine(
  // Not a date at all is the format check's to report.
  (day) => !/^\d{4}-/.test(day) || (day >= '2000-01-01' && day <= '9998-12-31'),
  'must be a day between 2000-01-01 and 9998-12-31',
);
const count = z.number().int().min(0);

export const planFeatures = z.object({
  discord: z.boolean(),
  liveMonitoring: z.boolean(),
  takeover: z.boolean(),
  escalation: z.boolean(),
});
export type PlanFeatures = z.infer<typeof planFeatures>;

export const subscriptionView = z.object({
  tenantId,
  plan: z.enum(planIds),
  /** Day of the month (UTC) each period starts on; clamped to the month's last day. */
  anchorDay: z.number().int().min(1).max(31),
  notifyEmails: z.array(z.email()),
  updatedAt: z.string(),
});
export type SubscriptionView = z.infer<typeof subscriptionView>;

export const billingPeriod = z.object({ start: isoDate, end: isoDate });

export const MeteringRpc = {
  /** Counts one message for an AI operation, once per operationId; refuses when out of quota. */
  reserve: {
    subject: 'rpc.metering.reserve',
    request: z.object({
      tenantId,
      operationId,
      kind: z.enum(usageKinds),
      channel: z.enum(usageChannels),
      guildId: z
        .string()
        .regex(/^\d{15,21}$/, 'guildId must be a Discord id')
        .optional(),
    }),
    reply: z.object({
      granted: z.boolean(),
      /** Messages left in the period after this answer. */
      remaining: count,
      reason: z.enum(reserveDenials).nullable(),
    }),
  },
  /** Gives back the message of an operation that never reached the model (once). */
  release: {
    subject: 'rpc.metering.release',
    request: z.object({ tenantId, operationId }),
    reply: z.object({ released: z.boolean(), remaining: count.nullable() }),
  },
  /** The dashboard's view of a period (the current one unless a date inside another is given). */
  usage: {
    subject: 'rpc.metering.usage',
    request: z.object({ tenantId, period: billingDay.optional() }),
    reply: z.object({
      tenantId,
      plan: z.enum(planIds).nullable(),
      period: billingPeriod,
      quota: count,
      used: count,
      remaining: count,
      byKind: z.record(z.enum(usageKinds), count),
      byChannel: z.record(z.enum(usageChannels), count),
      byGuild: z.array(z.object({ guildId: z.string(), used: count })),
      /** One entry per day of the period up to today, zeros included, with the day's count per kind. */
      daily: z.array(z.object({ date: isoDate, used: count, byKind: z.record(z.enum(usageKinds), count) })),
    }),
  },
  /** The tenant's plan and its features (callers may cache it for a minute). */
  entitlements: {
    subject: 'rpc.metering.entitlements',
    request: z.object({ tenantId }),
    reply: z.object({
      tenantId,
      /** Null when the tenant has no subscription: nothing is allowed. */
      plan: z.enum(planIds).nullable(),
      quota: count,
      features: planFeatures,
    }),
  },
  subscriptionSet: {
    subject: 'rpc.metering.subscription.set',
    request: z.object({
      tenantId,
      plan: z.enum(planIds),
      anchorDay: z.number().int().min(1).max(31).optional(),
      notifyEmails: z.array(z.email('notifyEmails must hold e-mail addresses')).max(20).optional(),
    }),
    reply: subscriptionView,
  },
  subscriptionGet: {
    subject: 'rpc.metering.subscription.get',
    request: z.object({ tenantId }),
    reply: z.object({ subscription: subscriptionView.nullable() }),
  },
} as const;

export type MeteringRpcName = keyof typeof MeteringRpc;
export type MeteringRequest<N extends MeteringRpcName> = z.input<(typeof MeteringRpc)[N]['request']>;
export type MeteringReply<N extends MeteringRpcName> = z.infer<(typeof MeteringRpc)[N]['reply']>;
