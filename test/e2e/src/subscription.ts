import { Bus } from '@steward/bus';
import { MeteringRpc, type PlanId } from '@steward/contracts';

/**
 * Gives the stack's tenant a subscription straight through metering's RPC (what the admin API
 * does for the local tenant), so answer-path tests can run without the admin API.
 */
export async function subscribeTenant(tenantId: string, plan: PlanId = 'pro'): Promise<void> {
  const bus = await Bus.connect({ servers: process.env.NATS_URL!, name: 'e2e-subscription' });
  try {
    await bus.requestJson(
      MeteringRpc.subscriptionSet.subject,
      MeteringRpc.subscriptionSet.request.parse({ tenantId, plan }),
    );
  } finally {
    await bus.drain();
  }
}
