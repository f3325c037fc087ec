import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DataSource } from '@steward/db';
import { CONFIG, EMAILS_PER_TRANSACTION, LOGGER, OutboxDrain, retryDelayMs, smtpTransport } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import type { Transporter } from 'nodemailer';
import type { MeteringConfig } from '../config.js';
import { notificationsTotal } from '../metrics.js';
import { planById } from '../plans/plans.js';
import { transaction } from '../sql.js';
import { composeThresholdEmail } from './threshold-email.js';
import type { Threshold } from './thresholds.js';

interface PendingNotification {
  tenant_id: string;
  period_start: string;
  period_end: string;
  threshold: Threshold;
  plan: string;
  used: number;
  quota: number;
  attempts: number;
  notify_emails: string[] | null;
}


/**
 * Sends the 80 % and 100 % e-mails recorded by reservations: at once when one is recorded,
 * and from a periodic sweep for those whose send failed (retried with a growing delay).
 * Rows are taken with FOR UPDATE SKIP LOCKED, so replicas never send the same e-mail twice.
 */
@Injectable()
export class ThresholdNotifier implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly transport?: Transporter;
  private readonly drain = new OutboxDrain(
    () => this.sendBatch(),
    (error) => this.logger.error({ err: error }, 'sending quota e-mails failed'),
  );

  constructor(
    private readonly db: DataSource,
    @Inject(CONFIG) private readonly config: MeteringConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.transport = smtpTransport(config.SMTP_URL);
  }

  onApplicationBootstrap(): void {
    if (!this.transport) this.logger.warn('SMTP_URL is not set: quota e-mails (80 % and 100 %) are skipped');
    this.drain.sweepEvery(this.config.METERING_SWEEP_INTERVAL_MS);
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
      const { rows } = await sql<PendingNotification>(
        `SELECT n.tenant_id, n.period_start::text, n.period_end::text, n.threshold, n.plan, n.used, n.quota,
                n.attempts, s.notify_emails
         FROM quota_notices n LEFT JOIN subscriptions s USING (tenant_id)
         WHERE n.status = 'pending' AND n.next_attempt_at <= now()
         ORDER BY n.next_attempt_at LIMIT ${EMAILS_PER_TRANSACTION}
         FOR UPDATE OF n SKIP LOCKED`,
      );
      for (const row of rows) {
        // One notice per period, threshold and quota (an upgrade brings the new quota's own).
        const key = [row.tenant_id, row.period_start, row.threshold, row.quota];
        const recipients = row.notify_emails ?? [];
        const skip = !this.transport
          ? 'SMTP_URL is not set'
          : recipients.length === 0
            ? 'the tenant has no notification e-mail addresses'
            : null;
        if (skip) {
          await sql(
            `UPDATE quota_notices SET status = 'skipped', last_error = $5
             WHERE tenant_id = $1 AND period_start = $2 AND threshold = $3 AND quota = $4`,
            [...key, skip],
          );
          notificationsTotal.inc({ threshold: String(row.threshold), outcome: 'skipped' });
          this.logger.warn(
            { tenantId: row.tenant_id, threshold: row.threshold },
            `quota e-mail skipped: ${skip}`,
          );
          continue;
        }
        try {
          await this.send(row, recipients);
          await sql(
            `UPDATE quota_notices SET status = 'sent', sent_at = now(), attempts = attempts + 1, last_error = NULL
             WHERE tenant_id = $1 AND period_start = $2 AND threshold = $3 AND quota = $4`,
            key,
          );
          notificationsTotal.inc({ threshold: String(row.threshold), outcome: 'sent' });
          this.logger.info(
            { tenantId: row.tenant_id, threshold: row.threshold, recipients: recipients.length },
            'quota e-mail sent',
          );
        } catch (error) {
          const delayMs = retryDelayMs(this.config.METERING_EMAIL_RETRY_MS, row.attempts);
          const message = error instanceof Error ? error.message : String(error);
          await sql(
            `UPDATE quota_notices
             SET attempts = attempts + 1, last_error = $5, next_attempt_at = now() + make_interval(secs => $6)
             WHERE tenant_id = $1 AND period_start = $2 AND threshold = $3 AND quota = $4`,
            [...key, message.slice(0, 500), delayMs / 1000],
          );
          notificationsTotal.inc({ threshold: String(row.threshold), outcome: 'failed' });
          this.logger.warn(
            {
              tenantId: row.tenant_id,
              threshold: row.threshold,
              attempt: row.attempts + 1,
              retryInMs: delayMs,
              err: error,
            },
            'quota e-mail not sent; retrying later',
          );
        }
      }
      return { commit: true, result: rows.length };
    });
  }

  private async send(row: PendingNotification, recipients: string[]): Promise<void> {
    const { subject, text } = composeThresholdEmail({
      tenantId: row.tenant_id,
      planName: planById(row.plan).name,
      threshold: row.threshold,
      used: row.used,
      quota: row.quota,
      periodStart: row.period_start,
      periodEnd: row.period_end,
    });
    await this.transport!.sendMail({
      from: this.config.METERING_EMAIL_FROM,
      to: recipients,
      subject,
      text,
      // The same id on a resend lets mail systems recognise a duplicate.
      messageId: `<quota-${row.threshold}.${row.period_start}.${encodeURIComponent(row.tenant_id)}@steward>`,
      headers: { 'X-Steward-Tenant': row.tenant_id, 'X-Steward-Quota-Threshold': String(row.threshold) },
    });
  }
}
