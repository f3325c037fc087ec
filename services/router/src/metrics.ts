import { Counter, Histogram, metricsRegistry } from '@steward/telemetry';

export const dispatchesReceived = new Counter({
  name: 'steward_router_dispatches_total',
  help: 'Discord dispatches consumed, by event type (types the router does not use count as "other")',
  labelNames: ['type'],
  registers: [metricsRegistry],
});

export const malformedDispatches = new Counter({
  name: 'steward_router_malformed_dispatches_total',
  help: 'Dispatches dead-lettered because they lacked fields the router relies on, by event type',
  labelNames: ['type'],
  registers: [metricsRegistry],
});

export const messagesSeen = new Counter({
  name: 'steward_router_messages_total',
  help: 'MESSAGE_CREATE dispatches decided on',
  registers: [metricsRegistry],
});

export const decisions = new Counter({
  name: 'steward_router_decisions_total',
  help: 'Message decisions by outcome (answer, skip) and reason',
  labelNames: ['outcome', 'reason'],
  registers: [metricsRegistry],
});

export const decisionSeconds = new Histogram({
  name: 'steward_router_decision_duration_seconds',
  help: 'Time from consuming a MESSAGE_CREATE to its decision (answer requests published)',
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  registers: [metricsRegistry],
});

export const smartModeDecisions = new Counter({
  name: 'steward_router_smart_mode_total',
  help:
    'Smart mode in the router: the free pre-filter (stage 1) dropping a message (decision "drop", ' +
    'reason chatter or member_conversation) or passing it on to triage (decision "triage")',
  labelNames: ['decision', 'reason'],
  registers: [metricsRegistry],
});

export const channelMessagesKept = new Counter({
  name: 'steward_router_channel_messages_kept_total',
  help: 'Messages kept as channel history (channels in all-messages mode or with channel context)',
  registers: [metricsRegistry],
});
