/**
 * Sends the escalation e-mails queued in `escalation_emails`: at once when one is queued, and
 * from a periodic sweep for those whose send failed (SMTP down), with a growing delay. Rows are
 * taken with FOR UPDATE SKIP LOCKED, so replicas never send the same e-mail twice.
 */
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { Bus } from '@steward/bus';
import { MeteringRpc } from '@steward/contracts';
import { DataSource } from '@steward/db';
import {
  CONFIG,
  EMAILS_PER_TRANSACTION,
  GuildConfigStore,
  LOGGER,
  OutboxDrain,
  retryDelayMs,
  smtpTransport,
} from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import type { Transporter } from 'nodemailer';
import type { TakeoverConfig } from '../config.js';
import { ConversationStore } from '../conversations/conversation.store.js';
import { escalationEmails } from '../metrics.js';
import { transaction } from '../sql.js';
import { composeEscalationEmail } from './escalation-email.js';

interface PendingEmail {
  id: string;
  conversation_id: string;
  tenant_id: string;
  guild_id: string;
  author_name: string;
  question: string;
  escalated_at: Date;
  attempts: number;
}


@Injectable()
export class EscalationMailer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly transport?: Transporter;
  private readonly drain = new OutboxDrain(
    () => this.sendBatch(),
    (error) => this.logger.error({ err: error }, 'sending escalation e-mails failed'),
  );

  constructor(
    private readonly db: DataSource,
    private readonly bus: Bus,
    private readonly conversations: ConversationStore,
    private readonly guilds: GuildConfigStore,
    @Inject(CONFIG) private readonly config: TakeoverConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.transport = smtpTransport(config.SMTP_URL);
  }

  onApplicationBootstrap(): void {
    if (!this.transport) this.logger.warn('SMTP_URL is not set: escalation e-mails are skipped');
    // The retry sweep: a fraction of the first retry delay, at least every 10 s.
    this.drain.sweepEvery(Math.max(20, Math.min(10_000, this.config.TAKEOVER_EMAIL_RETRY_MS / 2)));
  }

  async onModuleDestroy(): Promise<void> {
    await this.drain.stop();
    this.transport?.close();
  }

  /** Sends what is due now; calls while a run is going schedule one more run. */
  kick(): void {
    this.drain.kick();
  }

  private sendBatch(): Promise<number> {
    return transaction(this.db, async (sql) => {
      const rows = await sql<PendingEmail>(
        `SELECT id::text, conversation_id, tenant_id, guild_id, author_name, question, escalated_at, attempts
         FROM escalation_emails WHERE status = 'pending' AND next_attempt_at <= now()
         ORDER BY next_attempt_at LIMIT ${EMAILS_PER_TRANSACTION}
         FOR UPDATE SKIP LOCKED`,
      );
      for (const row of rows) {
        try {
          const recipients = this.transport ? await this.recipients(row) : [];
          const skip = !this.transport
            ? 'SMTP_URL is not set'
            : recipients.length === 0
              ? 'neither the guild nor the tenant has notification e-mail addresses'
              : null;
          if (skip) {
            await sql(`UPDATE escalation_emails SET status = 'skipped', last_error = $2 WHERE id = $1`, [
              row.id,
              skip,
            ]);
            escalationEmails.inc({ outcome: 'skipped' });
            this.logger.warn(
              { tenantId: row.tenant_id, conversationId: row.conversation_id },
              `escalation e-mail skipped: ${skip}`,
            );
            continue;
          }
          await this.send(row, recipients);
          await sql(
            `UPDATE escalation_emails SET status = 'sent', sent_at = now(), attempts = attempts + 1, last_error = NULL
             WHERE id = $1`,
            [row.id],
          );
          escalationEmails.inc({ outcome: 'sent' });
          this.logger.info(
            { tenantId: row.tenant_id, conversationId: row.conversation_id, recipients: recipients.length },
            'escalation e-mail sent',
          );
        } catch (error) {
          const delayMs = retryDelayMs(this.config.TAKEOVER_EMAIL_RETRY_MS, row.attempts);
          const message = error instanceof Error ? error.message : String(error);
          await sql(
            `UPDATE escalation_emails
             SET attempts = attempts + 1, last_error = $2, next_attempt_at = now() + make_interval(secs => $3)
             WHERE id = $1`,
            [row.id, message.slice(0, 500), delayMs / 1000],
          );
          escalationEmails.inc({ outcome: 'failed' });
          this.logger.warn(
            {
              tenantId: row.tenant_id,
              conversationId: row.conversation_id,
              attempt: row.attempts + 1,
              retryInMs: delayMs,
              err: error,
            },
            'escalation e-mail not sent; retrying later',
          );
        }
      }
      return rows.length;
    });
  }

  /** The guild's notification addresses, else the tenant's (its subscription's) quota addresses. */
  private async recipients(row: PendingEmail): Promise<string[]> {
    // The guild's addresses while it is still this tenant's: a server linked to another tenant
    // since must not receive the previous one's conversation.
    const guild = this.guilds.get(row.guild_id);
    const guildAddresses = guild?.tenantId === row.tenant_id ? guild.settings.notificationEmails : [];
    if (guildAddresses.length > 0) return guildAddresses;
    // Throws when metering does not answer: the e-mail is retried rather than dropped.
    const reply = MeteringRpc.subscriptionGet.reply.parse(
      await this.bus.requestJson(
        MeteringRpc.subscriptionGet.subject,
        { tenantId: row.tenant_id },
        { timeoutMs: 3_000 },
      ),
    );
    return reply.subscription?.notifyEmails ?? [];
  }

  private async send(row: PendingEmail, recipients: string[]): Promise<void> {
    const transcript = await this.conversations.transcript(row.conversation_id, row.tenant_id);
    const { subject, text } = composeEscalationEmail({
      conversationId: row.conversation_id,
      authorName: row.author_name,
      question: row.question,
      escalatedAt: row.escalated_at,
      transcript,
      publicUrl: this.config.STEWARD_PUBLIC_URL,
    });
    await this.transport!.sendMail({
      from: this.config.TAKEOVER_EMAIL_FROM,
      to: recipients,
      subject,
      text,
      // The same id on a resend lets mail systems recognise a duplicate.
      messageId: `<escalation-${row.id}.${row.conversation_id.replaceAll(':', '.')}@steward>`,
      headers: { 'X-Steward-Tenant': row.tenant_id, 'X-Steward-Conversation': row.conversation_id },
    });
  }
}
