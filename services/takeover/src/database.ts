import type { ServiceDatabase } from '@steward/db';
import { CreateTakeover1767600000000 } from './migrations/1767600000000-CreateTakeover.js';
import { ConversationTenantSince1767700000000 } from './migrations/1767700000000-ConversationTenantSince.js';
import { AnswerVotes1767800000000 } from './migrations/1767800000000-AnswerVotes.js';
import { AgentMessageDelivery1767900000000 } from './migrations/1767900000000-AgentMessageDelivery.js';

export const database: ServiceDatabase = {
  schema: 'takeover',
  entities: [],
  migrations: [
    CreateTakeover1767600000000,
    ConversationTenantSince1767700000000,
    AnswerVotes1767800000000,
    AgentMessageDelivery1767900000000,
  ],
};
