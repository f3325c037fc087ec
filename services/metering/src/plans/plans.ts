import type { PlanFeatures, PlanId } from '@steward/contracts';

export interface Plan {
  id: PlanId;
  /** Shown in e-mails. */
  name: string;
  /** Messages a month, shared across channels. */
  monthlyMessages: number;
  features: PlanFeatures;
}

/** The plans, as data: quotas and features per plan. */
export const PLANS: Readonly<Record<PlanId, Plan>> = {
  free: {
    id: 'free',
    name: 'Free',
    monthlyMessages: 0,
    features: { discord: false, liveMonitoring: false, takeover: false, escalation: false },
  },
  starter: {
    id: 'starter',
    name: 'Starter',
    monthlyMessages: 2_500,
    features: { discord: true, liveMonitoring: false, takeover: false, escalation: false },
  },
  standard: {
    id: 'standard',
    name: 'Standard',
    monthlyMessages: 15_000,
    features: { discord: true, liveMonitoring: true, takeover: true, escalation: true },
  },
  pro: {
    id: 'pro',
    name: 'Pro',
    monthlyMessages: 50_000,
    features: { discord: true, liveMonitoring: true, takeover: true, escalation: true },
  },
};

/** What a tenant without a subscription may do: nothing. */
export const NO_FEATURES: PlanFeatures = {
  discord: false,
  liveMonitoring: false,
  takeover: false,
  escalation: false,
};

export function planById(id: string): Plan {
  const plan = PLANS[id as PlanId];
  if (!plan) throw new Error(`unknown plan ${JSON.stringify(id)}`);
  return plan;
}
