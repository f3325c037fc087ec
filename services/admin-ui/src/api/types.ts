/** The shapes of the admin API the dashboard reads (see DESIGN.md, "Admin API essentials"). */
export type Role = 'owner' | 'admin' | 'agent' | (string & {});
export type PlanName = 'starter' | 'standard' | 'pro' | (string & {});

export interface Me {
  user: { id: string; email: string; role: Role };
  tenant: { id: string; name: string; plan: PlanName };
}

export type ResponseMode = 'mention' | 'all' | 'ask';
export type ChannelMode = 'off' | ResponseMode;
export const MODERATION_ACTIONS = ['delete', 'warn', 'timeout', 'kick', 'ban'] as const;
export type ModerationAction = (typeof MODERATION_ACTIONS)[number];
export const FREQUENCIES = ['2h', '4h', '6h', '12h', 'daily', '2d', 'weekly'] as const;
export type Frequency = (typeof FREQUENCIES)[number];

export interface GuildSettings {
  responseMode: ResponseMode;
  smartMode: boolean;
  channelContext: boolean;
  replyInThread: boolean;
  channelOverrides: Record<string, ChannelMode>;
  staffRoleIds: string[];
  moderation: {
    enabled: boolean;
    rules: string;
    shadowMode: boolean;
    actions: Record<ModerationAction, boolean>;
    timeoutMinutes: number;
    exemptRoleIds: string[];
    exemptChannelIds: string[];
    breaker: { maxKicksAndBans: number; windowMinutes: number };
  };
  proactive: {
    enabled: boolean;
    channelName: string;
    frequency: Frequency;
    topics: string[];
    /** Local times as HH:MM in `timeZone`; null (absent in settings saved before they existed): any hour. */
    quietHours?: { start: string; end: string } | null;
    timeZone?: string;
  };
  notificationEmails: string[];
}

export interface GuildSummary {
  id: string;
  name: string;
  iconUrl: string | null;
  connected: boolean;
  applicationId: string;
  responseMode: ResponseMode;
  moderationEnabled: boolean;
  health: GuildHealth;
}

export type GatewayFailure = 'disallowed_intents' | 'token_rejected' | 'invalid_shard_config';

export interface GuildHealth {
  gateway: 'online' | 'connecting' | 'offline' | 'failed';
  gatewayFailure: GatewayFailure | null;
  /** Permissions the bot lacks for its settings, by Discord's names (e.g. "ManageMessages"); null while unknown. */
  missingPermissions: string[] | null;
}

export interface GuildDetail extends GuildSummary {
  channels: Array<{ id: string; name: string; type: number }>;
  roles: Array<{ id: string; name: string; position: number }>;
}

export interface Plan {
  plan: PlanName;
  quota: number;
  features: { discord: boolean; liveMonitoring: boolean; takeover: boolean; escalation: boolean };
}

export type UsageKind = 'answer' | 'moderation' | 'proactive' | 'api';
export const USAGE_KINDS: UsageKind[] = ['answer', 'moderation', 'proactive', 'api'];

export interface Usage {
  plan: PlanName;
  period: { start: string; end: string };
  quota: number;
  used: number;
  remaining: number;
  byKind: Record<UsageKind, number>;
  byChannel?: Record<string, number>;
  /** One entry per day of the period up to today. */
  daily: Array<{ date: string; used: number; byKind: Record<UsageKind, number> }>;
}

export interface ModerationLogEntry {
  id: string;
  guildId: string;
  channelId: string;
  channelName: string | null;
  authorName: string;
  content: string;
  action: ModerationAction;
  outcome: 'pending' | 'done' | 'failed' | 'blocked' | 'shadow' | 'flagged';
  blockReason: string | null;
  detail: string | null;
  rule: string | null;
  reason: string;
  createdAt: string;
}

/** One scheduled post: due at a slot, then posted (or why not). */
export interface ProactivePost {
  runId: string;
  guildId: string;
  dueAt: string;
  finishedAt: string | null;
  topic: string;
  channelName: string;
  text: string | null;
  /** pending | posted | channel_missing | channel_unwritable | discord_unavailable | quota_exceeded | skipped | failed */
  outcome: string;
  error: string | null;
}

export type DocumentStatus = 'pending' | 'indexing' | 'indexed' | 'failed';
export interface KnowledgeDocument {
  id: string;
  title: string;
  status: DocumentStatus;
  language: string | null;
  chunkCount: number;
  progress: number;
  error: string | null;
  createdAt: string;
  updatedAt: string;
}
export interface Passage {
  documentId: string;
  title: string;
  content: string;
  score: number;
}
export interface UnansweredQuestion {
  id: string;
  guildId: string;
  channelId: string;
  question: string;
  language: string;
  askedAt: string;
}

export type ConversationState = 'ai' | 'human' | 'escalated';
export interface Conversation {
  id: string;
  guildId: string;
  channelId: string;
  authorName: string;
  state: ConversationState;
  /** The agent in charge while the state is `human`. */
  assignedAgent: { id: string; name: string } | null;
  lastMessageAt: string;
  lastQuestion: string | null;
  /** When the AI answers again unless an agent acts (state `human`). */
  resumesAt?: string | null;
}
export interface Turn {
  role: 'member' | 'bot' | 'agent';
  authorName?: string;
  content: string;
  sources?: Array<{ documentId: string; title: string }>;
  at: string;
  /** Members' 👍 / 👎 on an answer (bot turns only). */
  feedback?: { helpful: number; notHelpful: number } | null;
  /** An agent's message on its way to Discord, there, or refused (with Discord's reason). */
  delivery?: 'sending' | 'sent' | 'failed' | null;
  deliveryError?: string | null;
}
export interface ConversationDetail extends Conversation {
  turns: Turn[];
}

export interface BotConfig {
  mode: 'platform' | 'custom';
  applicationId: string | null;
  publicKey: string | null;
  botUsername: string | null;
  interactionsEndpointUrl: string;
}

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface TeamMember {
  id: string;
  email: string;
  role: Role;
}
