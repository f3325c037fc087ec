import { Counter, Gauge, Histogram, metricsRegistry } from '@steward/telemetry';

// Created once per process: the registry is process-wide.

export const factsConsumed = new Counter({
  name: 'steward_takeover_facts_total',
  help: 'Conversation facts and member messages consumed, by kind (turn, escalated, feedback, member_message, delivery) and outcome (recorded, ignored)',
  labelNames: ['kind', 'outcome'] as const,
  registers: [metricsRegistry],
});

export const takeoverActions = new Counter({
  name: 'steward_takeover_actions_total',
  help: 'Agent actions by kind (takeover, message, release) and outcome (done, plan_required, not_found, server_gone)',
  labelNames: ['action', 'outcome'] as const,
  registers: [metricsRegistry],
});

export const handBacks = new Counter({
  name: 'steward_takeover_hand_backs_total',
  help: 'Conversations handed back to the AI, by reason (released, inactive)',
  labelNames: ['reason'] as const,
  registers: [metricsRegistry],
});

export const conversationsInHumanHands = new Gauge({
  name: 'steward_takeover_conversations_human',
  help: 'Conversations an agent is in charge of, as of the last sweep',
  registers: [metricsRegistry],
});

export const escalationEmails = new Counter({
  name: 'steward_takeover_escalation_emails_total',
  help: 'Escalation e-mails by outcome (queued, sent, failed: retried later, skipped, throttled: one per conversation per hour, plan: not in the plan)',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});

export const rpcDuration = new Histogram({
  name: 'steward_takeover_rpc_duration_seconds',
  help: 'Time to answer an rpc.takeover.* request, by RPC',
  labelNames: ['rpc'] as const,
  buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [metricsRegistry],
});
