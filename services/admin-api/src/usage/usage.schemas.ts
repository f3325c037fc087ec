import { z } from '@steward/config';
import { billingDay, MeteringRpc, planFeatures, planIds } from '@steward/contracts';

const usageReply = MeteringRpc.usage.reply;
const count = z.number().int().min(0);

/** `GET /usage?date=`: any day inside the period to show; the current period without it. */
export const usageDate = billingDay
  .optional()
  .meta({
    description: 'Any day inside the billing period to show (default: the current period)',
    example: '2030-01-15',
  });

export const usageView = z
  .object({
    plan: z.enum(planIds).nullable().meta({ description: 'Null when the tenant has no subscription' }),
    period: usageReply.shape.period.meta({
      description: 'The billing period (UTC): its first day, and the first day of the next period',
    }),
    quota: count.meta({ description: 'Messages the plan includes in the period' }),
    used: count,
    remaining: count,
    byKind: usageReply.shape.byKind.meta({
      description: 'Messages by what they were for: answer, moderation, proactive, api',
    }),
    byChannel: usageReply.shape.byChannel.meta({
      description: 'Messages by where they came from: discord, api, widget',
    }),
    byGuild: usageReply.shape.byGuild.meta({ description: 'Messages per Discord server, most used first' }),
    daily: usageReply.shape.daily.meta({
      description: 'One entry per day of the period up to today, zeros included, with its count per kind',
    }),
  })
  .meta({ id: 'Usage' });
export type UsageView = z.infer<typeof usageView>;

export const planView = z
  .object({
    plan: z
      .enum(planIds)
      .nullable()
      .meta({ description: 'Null when the tenant has no subscription: nothing is allowed' }),
    quota: count.meta({ description: 'Messages a month, shared by every channel' }),
    features: planFeatures.meta({ description: 'What the plan allows besides its quota' }),
  })
  .meta({ id: 'Plan' });
export type PlanView = z.infer<typeof planView>;
