/**
 * An action egress never reports on: after MODERATION_PENDING_TIMEOUT_MS the log says it failed
 * for want of news instead of `pending` for ever, and a report that arrives after all settles it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { waitFor } from '@steward/testing';
import { NO_OUTCOME_DETAIL } from '../src/log/moderation-log.store.js';
import { INVITE, ModerationHarness } from './harness.js';

const INVITE_TEXT = 'join my server discord.gg/raidhub for free stuff';
const TIMEOUT_MS = 4_000;

describe('moderation actions without an outcome', () => {
  const h = new ModerationHarness();
  let guildId: string;
  let channelId: string;
  let member: string;

  beforeAll(async () => {
    await h.start(
      (discord, app) => {
        const guild = discord.createGuild({ name: 'Quiet egress', applicationIds: [app.id] });
        guildId = guild.id;
        channelId = guild.generalChannelId;
        member = discord.createMember({ guildId: guild.id, username: 'mallory' }).user.id;
      },
      { MODERATION_PENDING_TIMEOUT_MS: String(TIMEOUT_MS), MODERATION_PENDING_SWEEP_INTERVAL_MS: '200' },
    );
    await h.directoryReady(guildId);
    h.verdicts.set('discord.gg/', INVITE);
    await h.configure(guildId, { rules: INVITE.rule, actions: { delete: true } });
  }, 60_000);

  afterAll(() => h.stop(), 30_000);

  it('shows an action egress has not reported on as failed for want of news, and as done once egress reports', async () => {
    const startEgress = await h.stopEgress();
    let egressBack = false;
    try {
      const message = h.discord.postMessage({ channelId, authorId: member, content: INVITE_TEXT });
      expect(await h.entryFor(message.id, false)).toMatchObject({ action: 'delete', outcome: 'pending' });

      const givenUp = await waitFor(
        async () => {
          const entry = await h.entryFor(message.id, false);
          return entry.outcome === 'failed' ? entry : undefined;
        },
        { timeoutMs: 10_000, message: 'the pending delete to be given up' },
      );
      expect(givenUp.detail).toBe(NO_OUTCOME_DETAIL);
      expect(h.exists(channelId, message.id)).toBe(true);

      // An action decided since is not given up before its time.
      const newer = h.discord.postMessage({ channelId, authorId: member, content: `${INVITE_TEXT}, again` });
      expect(await h.entryFor(newer.id, false)).toMatchObject({ outcome: 'pending' });
      // Its command may still run: an edit of the first message is not acted on a second time.
      h.discord.editMessage({ messageId: message.id, content: `${INVITE_TEXT} (edited)` });
      expect(await h.whenChecked(message.id, 2)).toMatchObject({
        event: 'update',
        result: 'skipped_already_handled',
      });

      // Egress comes back and carries out the command that waited in its stream.
      await startEgress();
      egressBack = true;
      await waitFor(async () => (await h.entryFor(message.id, false)).outcome === 'done', {
        timeoutMs: 10_000,
        message: 'the late outcome to settle the entry',
      });
      expect(await h.entryFor(message.id)).toMatchObject({ outcome: 'done', detail: null });
      expect(h.exists(channelId, message.id)).toBe(false);
      expect(await h.entryFor(newer.id)).toMatchObject({ outcome: 'done' });
      expect(
        (await h.log({ limit: 100 })).entries.filter((entry) => entry.messageId === message.id),
      ).toHaveLength(1);
    } finally {
      if (!egressBack) await startEgress();
    }
  });

  it('keeps saying the message goes with a kick given up on, and deletes it once egress reports', async () => {
    await h.configure(guildId, { rules: INVITE.rule, actions: { delete: true, kick: true } });
    h.verdicts.set('nitro giveaway', {
      ...INVITE,
      severity: 'critical',
      recommended_action: 'kick',
      confidence: 1,
    });
    const raider = h.discord.createMember({ guildId, username: 'raider' }).user.id;
    const startEgress = await h.stopEgress();
    let egressBack = false;
    try {
      const message = h.discord.postMessage({
        channelId,
        authorId: raider,
        content: 'nitro giveaway, claim now',
      });
      const givenUp = await waitFor(
        async () => {
          const entry = await h.entryFor(message.id, false);
          return entry.outcome === 'failed' ? entry : undefined;
        },
        { timeoutMs: 10_000, message: 'the pending kick to be given up' },
      );
      expect(givenUp).toMatchObject({
        action: 'kick',
        detail: `${NO_OUTCOME_DETAIL}; the message is deleted too`,
      });

      await startEgress();
      egressBack = true;
      await waitFor(async () => (await h.entryFor(message.id, false)).outcome === 'done', {
        timeoutMs: 10_000,
        message: 'the late outcome to settle the kick',
      });
      expect(await h.entryFor(message.id)).toMatchObject({
        outcome: 'done',
        detail: 'the message is deleted too',
      });
      await waitFor(() => !h.exists(channelId, message.id), {
        message: 'the kicked member’s message to be deleted',
      });
    } finally {
      if (!egressBack) await startEgress();
    }
  });
});
