import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { MeteringRpc, type MeteringReply } from '@steward/contracts';
import { parseRequest } from '../rpc-request.js';
import { SubscriptionStore, subscriptionView } from '../subscriptions/subscription.store.js';
import { UsageService } from '../usage/usage.service.js';
import { ReservationService } from './reservation.service.js';

/** The `rpc.metering.*` request/reply surface; every body is validated before use. */
@Controller()
export class MeteringController {
  constructor(
    private readonly reservations: ReservationService,
    private readonly usage: UsageService,
    private readonly subscriptions: SubscriptionStore,
  ) {}

  @MessagePattern(MeteringRpc.reserve.subject)
  reserve(@Payload() body: unknown): Promise<MeteringReply<'reserve'>> {
    return this.reservations.reserve(
      parseRequest(MeteringRpc.reserve.request, body, MeteringRpc.reserve.subject),
    );
  }

  @MessagePattern(MeteringRpc.release.subject)
  release(@Payload() body: unknown): Promise<MeteringReply<'release'>> {
    return this.reservations.release(
      parseRequest(MeteringRpc.release.request, body, MeteringRpc.release.subject),
    );
  }

  @MessagePattern(MeteringRpc.usage.subject)
  usageReport(@Payload() body: unknown): Promise<MeteringReply<'usage'>> {
    const { tenantId, period } = parseRequest(MeteringRpc.usage.request, body, MeteringRpc.usage.subject);
    return this.usage.report(tenantId, period);
  }

  @MessagePattern(MeteringRpc.entitlements.subject)
  entitlements(@Payload() body: unknown): Promise<MeteringReply<'entitlements'>> {
    const { tenantId } = parseRequest(
      MeteringRpc.entitlements.request,
      body,
      MeteringRpc.entitlements.subject,
    );
    return this.usage.entitlements(tenantId);
  }

  @MessagePattern(MeteringRpc.subscriptionSet.subject)
  async setSubscription(@Payload() body: unknown): Promise<MeteringReply<'subscriptionSet'>> {
    const change = parseRequest(
      MeteringRpc.subscriptionSet.request,
      body,
      MeteringRpc.subscriptionSet.subject,
    );
    return subscriptionView(await this.subscriptions.set(change));
  }

  @MessagePattern(MeteringRpc.subscriptionGet.subject)
  async getSubscription(@Payload() body: unknown): Promise<MeteringReply<'subscriptionGet'>> {
    const { tenantId } = parseRequest(
      MeteringRpc.subscriptionGet.request,
      body,
      MeteringRpc.subscriptionGet.subject,
    );
    const subscription = await this.subscriptions.find(tenantId);
    return { subscription: subscription ? subscriptionView(subscription) : null };
  }
}
