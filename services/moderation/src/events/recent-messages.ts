import { Injectable } from '@nestjs/common';
import type { ModerationContextMessage } from '@steward/ai';

const PER_CHANNEL = 20;
const MAX_CHANNELS = 5_000;
const MAX_AGE_MS = 5 * 60_000;

/**
 * The last messages of each channel this replica has seen: channel context for the judge and
 * the author's earlier messages for flood detection. Kept in memory; a flood spread over
 * replicas is seen by each in part, which the per-author repeat threshold tolerates.
 */
@Injectable()
export class RecentMessages {
  private readonly channels = new Map<string, (ModerationContextMessage & { messageId: string })[]>();

  /** The channel's recent messages, oldest first, without the given one. */
  before(channelId: string, messageId: string, nowMs = Date.now()): ModerationContextMessage[] {
    const messages = this.channels.get(channelId) ?? [];
    return messages
      .filter((message) => message.messageId !== messageId && nowMs - (message.sentAtMs ?? nowMs) <= MAX_AGE_MS)
      .map(({ messageId: _id, ...message }) => message);
  }

  record(channelId: string, message: ModerationContextMessage & { messageId: string }): void {
    let messages = this.channels.get(channelId);
    if (messages) {
      this.channels.delete(channelId);
    } else {
      messages = [];
      if (this.channels.size >= MAX_CHANNELS) this.channels.delete(this.channels.keys().next().value!);
    }
    this.channels.set(channelId, messages);
    if (messages.some((known) => known.messageId === message.messageId)) return;
    messages.push(message);
    if (messages.length > PER_CHANNEL) messages.shift();
  }
}
