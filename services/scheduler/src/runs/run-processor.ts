import { Inject, Injectable } from '@nestjs/common';
import { Bus, RpcError } from '@steward/bus';
import {
  commandGiveUpMs,
  commandSubject,
  create,
  DirectoryRpc,
  DiscordCommandSchema,
  encode,
  MeteringRpc,
  ProactiveDueSchema,
  type ChannelView,
  type DiscordCommandResult,
  type MeteringReply,
  type ProactivePostWritten,
} from '@steward/contracts';
import { CONFIG, LOGGER } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import { CLOCK, type Clock } from '../clock.js';
import type { SchedulerConfig } from '../config.js';
import { postDelaySeconds, runsFinishedTotal } from '../metrics.js';
import { quietUntil, ScheduleStore } from '../schedules/schedule.store.js';
import { dueMessageId, parsePostCommandId, postCommandId, ProactiveSubjects } from './proactive-subjects.js';
import { RunStore, type RunOutcome, type RunRow } from './run.store.js';

/** Channel types a bot can post a plain message in: text and announcement channels. */
const POSTABLE_CHANNEL_TYPES = new Set([0, 5]);
/** Discord codes that mean the bot cannot post in the channel (Missing Permissions, Missing Access). */
const UNWRITABLE_CODES = new Set([50013, 50001]);
const UNKNOWN_CHANNEL = 10003;
const TURNED_OFF_WHILE_WRITING = 'proactive messages were turned off while the post was being written; nothing was posted';

/**
 * Moves runs along: resolve the channel, reserve the message, ask the answer service for the
 * text, post it through egress, record what happened. The owner of a run's lease drives the
 * steps it starts; facts (the written text, egress's result) are handled by whichever replica
 * receives them, guarded by the run's state.
 */
@Injectable()
export class RunProcessor {
  constructor(
    private readonly bus: Bus,
    private readonly runs: RunStore,
    private readonly schedules: ScheduleStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CONFIG) private readonly config: SchedulerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Takes a run this replica owns one step further. */
  async advance(run: RunRow, owner: string): Promise<void> {
    const log = this.logger.child({ runId: run.runId, guildId: run.guildId, state: run.state });
    try {
      if (run.state === 'posting') return await this.publishPost(run);
      // A run holding a text (kept through quiet hours) has its text: it only waits to post.
      if (run.state === 'writing' && !run.text && run.writeAttempts >= this.config.SCHEDULER_MAX_WRITE_ATTEMPTS) {
        await this.finish(
          run,
          owner,
          'failed',
          `the answer service did not write the post after ${run.writeAttempts} requests`,
        );
        return;
      }
      await this.prepare(run, owner);
    } catch (error) {
      // The lease runs out and the run is taken up again: nothing is lost.
      log.warn({ err: error }, 'run step failed; it is retried when its lease expires');
    }
  }

  private async prepare(run: RunRow, owner: string): Promise<void> {
    const now = this.clock.now();
    const schedule = await this.schedules.get(run.guildId);
    if (!schedule?.enabled) {
      await this.finish(run, owner, 'skipped', 'proactive messages were turned off before the post was made');
      return;
    }
    const quietEnds = quietUntil(schedule, now);
    if (quietEnds) {
      // A retried or taken-over run waits for the quiet hours to end, as a new slot does.
      await this.runs.defer(run, owner, now, quietEnds);
      return;
    }
    const channelName = schedule.channelName;
    const channel = await this.channelByName(run.guildId, channelName);
    const retryAt = new Date(now.getTime() + this.config.SCHEDULER_CHANNEL_RETRY_MS);
    if (!channel) {
      await this.block(
        run,
        owner,
        'channel_missing',
        `no text channel named #${channelName} in this server (renamed or deleted?); trying again ${this.retryWords()}`,
        channelName,
        retryAt,
      );
      return;
    }
    if (!POSTABLE_CHANNEL_TYPES.has(channel.type)) {
      await this.block(
        run,
        owner,
        'channel_unwritable',
        `#${channel.name} is not a text channel, so the bot cannot post in it; trying again ${this.retryWords()}`,
        channelName,
        retryAt,
      );
      return;
    }

    if (run.text) {
      // Written before the channel got in the way: post the same text, no new quota or generation.
      const posting = await this.runs.startPosting(run, owner, channel, now, this.leaseUntil(now));
      if (posting) await this.publishPost(posting);
      return;
    }

    const reservation = await this.bus.requestJson<MeteringReply<'reserve'>>(
      MeteringRpc.reserve.subject,
      { tenantId: run.tenantId, operationId: run.runId, kind: 'proactive', channel: 'discord', guildId: run.guildId },
      { timeoutMs: this.config.SCHEDULER_RPC_TIMEOUT_MS },
    );
    if (!reservation.granted) {
      const outcome: RunOutcome = reservation.reason === 'quota_exceeded' ? 'quota_exceeded' : 'skipped';
      const why =
        reservation.reason === 'quota_exceeded'
          ? 'the monthly message quota is used up; the post was skipped'
          : `the tenant's plan does not allow it (${reservation.reason ?? 'refused'}); the post was skipped`;
      await this.finish(run, owner, outcome, why);
      return;
    }

    const recentPosts = await this.runs.recentPosts(run.guildId, channel.id, this.config.SCHEDULER_RECENT_POSTS);
    const writeLease = new Date(now.getTime() + this.config.SCHEDULER_WRITE_TIMEOUT_MS);
    const writing = await this.runs.startWriting(run, owner, channel, now, writeLease);
    if (!writing) return;
    await this.bus.publish(
      ProactiveSubjects.due,
      encode(ProactiveDueSchema, {
        scheduleId: run.guildId,
        runId: run.runId,
        tenantId: run.tenantId,
        guildId: run.guildId,
        applicationId: run.applicationId,
        channelId: channel.id,
        channelName: channel.name,
        topic: run.topic,
        recentPosts,
        dueAtMs: BigInt(run.dueAt.getTime()),
        attempt: writing.writeAttempts,
      }),
      { msgId: dueMessageId(run.runId, writing.writeAttempts) },
    );
    this.logger.info(
      { runId: run.runId, guildId: run.guildId, topic: run.topic, attempt: writing.writeAttempts },
      'proactive post due: asked the answer service to write it',
    );
  }

  /** The text arrived: post it (once, whoever received the fact), if posts are still on. */
  async onWritten(fact: ProactivePostWritten): Promise<void> {
    const now = this.clock.now();
    const post = {
      text: fact.text,
      language: fact.language,
      engine: fact.engine,
      similarity: fact.similarityToRecent,
      regenerated: fact.regenerated,
    };
    const schedule = await this.schedules.get(fact.guildId);
    const quietEnds = schedule ? quietUntil(schedule, now) : null;
    if (quietEnds) {
      // Written into the quiet hours: the text is kept, and the run posts it once they end
      // (if posts are still on then), as a run whose channel was fixed does.
      const kept = await this.runs.keepText(fact.runId, post, quietEnds, now);
      if (kept) {
        this.logger.info({ runId: kept.runId, guildId: kept.guildId }, 'proactive post held until the quiet hours end');
        return;
      }
    } else {
      const run = await this.runs.written(fact.runId, post, now, this.leaseUntil(now));
      if (run) {
        await this.publishPost(run);
        return;
      }
    }
    // Not moved on to posting: handled before, or the tenant turned posts off while it was written.
    const skipped = await this.runs.skipTurnedOff(fact.runId, TURNED_OFF_WHILE_WRITING, now);
    if (skipped) {
      runsFinishedTotal.inc({ outcome: 'skipped' });
      this.logger.info({ runId: skipped.runId, guildId: skipped.guildId, outcome: 'skipped' }, TURNED_OFF_WHILE_WRITING);
      return;
    }
    this.logger.debug({ runId: fact.runId }, 'written post already handled');
  }

  /**
   * Gives back the messages reserved by runs that ended without a post. Metering releases an
   * operation once, so a release repeated by another replica or after a lost reply is harmless;
   * one that fails stays marked and is tried again on the next tick.
   */
  async releaseUnusedReservations(limit: number): Promise<void> {
    const pending = await this.runs.reservationsToRelease(limit);
    await Promise.all(
      pending.map(async ({ runId, tenantId }) => {
        try {
          const reply = MeteringRpc.release.reply.parse(
            await this.bus.requestJson(
              MeteringRpc.release.subject,
              { tenantId, operationId: runId },
              { timeoutMs: this.config.SCHEDULER_RPC_TIMEOUT_MS },
            ),
          );
          await this.runs.reservationReleased(runId);
          if (reply.released) this.logger.info({ runId, tenantId }, 'gave back the message of a run that posted nothing');
          else this.logger.debug({ runId, tenantId }, 'a run that posted nothing held no message to give back');
        } catch (error) {
          this.logger.warn({ err: error, runId, tenantId }, 'could not give back the message of a run that posted nothing; trying again');
        }
      }),
    );
  }

  /** Egress's outcome of a post command; other commands are not ours. */
  async onEgressResult(result: DiscordCommandResult): Promise<void> {
    const command = parsePostCommandId(result.commandId);
    if (!command) return;
    const now = this.clock.now();
    if (result.ok) {
      const run = await this.runs.posted(command.runId, command.attempt, result.messageId, now);
      if (run) {
        runsFinishedTotal.inc({ outcome: 'posted' });
        postDelaySeconds.observe(Math.max(0, now.getTime() - run.dueAt.getTime()) / 1000);
        this.logger.info({ runId: run.runId, guildId: run.guildId, messageId: result.messageId }, 'proactive post published');
      }
      return;
    }
    const blocked = await this.blockedBy(result, now);
    const retryAt = blocked ? new Date(now.getTime() + this.config.SCHEDULER_CHANNEL_RETRY_MS) : null;
    const error = blocked ? `${result.error}; trying again ${this.retryWords()}` : result.error || 'Discord refused the post';
    const run = await this.runs.postRefused(command.runId, command.attempt, blocked ?? 'failed', error, now, retryAt);
    if (run) {
      runsFinishedTotal.inc({ outcome: blocked ?? 'failed' });
      this.logger.warn({ runId: run.runId, guildId: run.guildId, discordCode: result.discordCode, reason: result.error }, 'proactive post refused by Discord');
    }
  }

  /**
   * What keeps a refused post from going out for now, when it is worth trying again: the channel
   * (gone, or closed to the bot) until someone fixes it; or Discord itself (down, overloaded,
   * unreachable: egress gave up only for want of attempts) while a retry can still be done
   * before the schedule's next slot, which replaces the post if it comes first (startDueRuns).
   * Undefined: the post is given up.
   */
  private async blockedBy(result: DiscordCommandResult, now: Date): Promise<RunOutcome | undefined> {
    if (UNWRITABLE_CODES.has(result.discordCode)) return 'channel_unwritable';
    if (result.discordCode === UNKNOWN_CHANNEL) return 'channel_missing';
    if (!result.transient) return undefined;
    const schedule = await this.schedules.get(result.guildId);
    if (!schedule?.enabled || !schedule.nextRunAt) return undefined;
    const retryDone = now.getTime() + this.config.SCHEDULER_CHANNEL_RETRY_MS + commandGiveUpMs();
    return retryDone < schedule.nextRunAt.getTime() ? 'discord_unavailable' : undefined;
  }

  private async publishPost(run: RunRow): Promise<void> {
    if (!run.text || !run.channelId) throw new Error(`run ${run.runId} has nothing to post`);
    const commandId = postCommandId(run.runId, run.postAttempts);
    const command = create(DiscordCommandSchema, {
      commandId,
      applicationId: run.applicationId,
      tenantId: run.tenantId,
      guildId: run.guildId,
      createdAtMs: BigInt(this.clock.now().getTime()),
      action: { case: 'sendMessage', value: { channelId: run.channelId, content: run.text, mentionUserIds: [] } },
    });
    await this.bus.publish(commandSubject(command), encode(DiscordCommandSchema, command), { msgId: commandId });
  }

  private async channelByName(guildId: string, name: string): Promise<ChannelView | null> {
    const reply = await this.bus.requestJson<unknown>(
      DirectoryRpc.channelByName.subject,
      { guildId, name },
      { timeoutMs: this.config.SCHEDULER_RPC_TIMEOUT_MS },
    );
    const parsed = DirectoryRpc.channelByName.reply.safeParse(reply);
    if (!parsed.success) throw new RpcError('bad_reply', `the directory answered ${DirectoryRpc.channelByName.subject} with an unexpected shape`);
    return parsed.data.channel;
  }

  private async block(run: RunRow, owner: string, outcome: RunOutcome, error: string, channelName: string, retryAt: Date) {
    const blocked = await this.runs.block(run, owner, outcome, error, channelName, this.clock.now(), retryAt);
    if (blocked) {
      runsFinishedTotal.inc({ outcome });
      this.logger.warn({ runId: run.runId, guildId: run.guildId, outcome }, error);
    }
  }

  private async finish(run: RunRow, owner: string, outcome: RunOutcome, error: string) {
    const finished = await this.runs.finish(run, owner, outcome, error, this.clock.now());
    if (finished) {
      runsFinishedTotal.inc({ outcome });
      this.logger.info({ runId: run.runId, guildId: run.guildId, outcome }, error);
    }
  }

  private leaseUntil(now: Date): Date {
    return new Date(now.getTime() + this.config.SCHEDULER_LEASE_MS);
  }

  private retryWords(): string {
    const minutes = this.config.SCHEDULER_CHANNEL_RETRY_MS / 60_000;
    return minutes >= 1 ? `every ${Math.round(minutes)} min` : `every ${Math.round(this.config.SCHEDULER_CHANNEL_RETRY_MS / 1000)} s`;
  }
}
