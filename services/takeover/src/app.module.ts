import { Module, type DynamicModule } from '@nestjs/common';
import { guildConfigStoreProvider } from '@steward/runtime';
import { ConversationFactsController } from './conversations/conversation-facts.controller.js';
import { ConversationRecorder } from './conversations/conversation-recorder.js';
import { ConversationStore } from './conversations/conversation.store.js';
import { EscalationMailer } from './escalation/escalation-mailer.js';
import { PlanEntitlements } from './plans/plan-entitlements.js';
import { AgentDeliveryController } from './takeover/agent-delivery.controller.js';
import { AutoResumeSweeper } from './takeover/auto-resume.sweeper.js';
import { TakeoverBucket } from './takeover/takeover-bucket.js';
import { TakeoverFacts } from './takeover/takeover-facts.js';
import { TakeoverController } from './takeover/takeover.controller.js';
import { TakeoverService } from './takeover/takeover.service.js';

@Module({})
export class TakeoverModule {
  static register(): DynamicModule {
    return {
      module: TakeoverModule,
      controllers: [TakeoverController, ConversationFactsController, AgentDeliveryController],
      providers: [
        guildConfigStoreProvider,
        ConversationStore,
        PlanEntitlements,
        TakeoverBucket,
        TakeoverFacts,
        TakeoverService,
        AutoResumeSweeper,
        EscalationMailer,
        ConversationRecorder,
      ],
    };
  }
}
