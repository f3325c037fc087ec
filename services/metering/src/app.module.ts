import { Module, type DynamicModule } from '@nestjs/common';
import { CLOCK, type Clock } from './clock.js';
import { FactOutbox } from './facts/fact-outbox.js';
import { ThresholdNotifier } from './notifications/threshold-notifier.js';
import { MeteringController } from './quota/metering.controller.js';
import { ReservationService } from './quota/reservation.service.js';
import { SubscriptionStore } from './subscriptions/subscription.store.js';
import { UsageService } from './usage/usage.service.js';

@Module({})
export class MeteringModule {
  static register(clock: Clock): DynamicModule {
    return {
      module: MeteringModule,
      controllers: [MeteringController],
      providers: [
        { provide: CLOCK, useValue: clock },
        SubscriptionStore,
        ReservationService,
        UsageService,
        FactOutbox,
        ThresholdNotifier,
      ],
    };
  }
}
