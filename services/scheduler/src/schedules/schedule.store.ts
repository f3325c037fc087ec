import { Injectable } from '@nestjs/common';
import { DataSource } from '@steward/db';
import type { ScheduleSettings } from './schedule-settings.js';
import { frequencyMs, isQuiet, quietEnd } from './timing.js';

export interface ScheduleRow {
  guildId: string;
  tenantId: string;
  applicationId: string;
  enabled: boolean;
  channelName: string;
  frequency: string;
  topics: string[];
  quietStartMinute: number | null;
  quietEndMinute: number | null;
  timeZone: string;
  anchorAt: Date;
  nextRunAt: Date | null;
  topicCursor: number;
}

export const SCHEDULE_COLUMNS = `guild_id AS "guildId", tenant_id AS "tenantId", application_id AS "applicationId",
  enabled, channel_name AS "channelName", frequency, topics, quiet_start_minute AS "quietStartMinute",
  quiet_end_minute AS "quietEndMinute", time_zone AS "timeZone", anchor_at AS "anchorAt",
  next_run_at AS "nextRunAt", topic_cursor AS "topicCursor"`;

/** When the schedule's quiet hours hold at `now`, the moment they end; otherwise null. */
export function quietUntil(schedule: ScheduleRow, now: Date): Date | null {
  if (schedule.quietStartMinute === null || schedule.quietEndMinute === null) return null;
  const quiet = { startMinute: schedule.quietStartMinute, endMinute: schedule.quietEndMinute, timeZone: schedule.timeZone };
  return isQuiet(now, quiet) ? quietEnd(now, quiet) : null;
}

/** The scheduler's copy of each guild's schedule, kept from KV `config-guilds`. */
@Injectable()
export class ScheduleStore {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Mirrors one configuration revision. Replicas all apply every revision; the first one wins
   * and older revisions never overwrite newer ones. Enabling a schedule or changing its
   * frequency starts a new grid: the first post is one period later.
   */
  async apply(settings: ScheduleSettings, revision: number, now: Date): Promise<void> {
    const firstRun = new Date(now.getTime() + frequencyMs(settings.frequency));
    await this.dataSource.query(
      `INSERT INTO schedules (guild_id, tenant_id, application_id, enabled, channel_name, frequency, topics,
         quiet_start_minute, quiet_end_minute, time_zone, config_revision, anchor_at, next_run_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, CASE WHEN $4 THEN $13::timestamptz END, $12)
       ON CONFLICT (guild_id) DO UPDATE SET
         tenant_id = EXCLUDED.tenant_id,
         application_id = EXCLUDED.application_id,
         channel_name = EXCLUDED.channel_name,
         topics = EXCLUDED.topics,
         quiet_start_minute = EXCLUDED.quiet_start_minute,
         quiet_end_minute = EXCLUDED.quiet_end_minute,
         time_zone = EXCLUDED.time_zone,
         config_revision = EXCLUDED.config_revision,
         updated_at = EXCLUDED.updated_at,
         enabled = EXCLUDED.enabled,
         frequency = EXCLUDED.frequency,
         anchor_at = CASE WHEN schedules.enabled = EXCLUDED.enabled AND schedules.frequency = EXCLUDED.frequency
                          THEN schedules.anchor_at ELSE EXCLUDED.anchor_at END,
         next_run_at = CASE WHEN NOT EXCLUDED.enabled THEN NULL
                            WHEN schedules.enabled AND schedules.frequency = EXCLUDED.frequency THEN schedules.next_run_at
                            ELSE EXCLUDED.next_run_at END
       WHERE schedules.config_revision < EXCLUDED.config_revision`,
      [
        settings.guildId,
        settings.tenantId,
        settings.applicationId,
        settings.enabled,
        settings.channelName,
        settings.frequency,
        settings.topics,
        settings.quietHours?.startMinute ?? null,
        settings.quietHours?.endMinute ?? null,
        settings.quietHours?.timeZone ?? 'UTC',
        revision,
        now,
        firstRun,
      ],
    );
  }

  /** A guild's configuration was deleted: its schedule stops. */
  async disable(guildId: string, revision: number, now: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE schedules SET enabled = false, next_run_at = NULL, config_revision = $2, updated_at = $3
       WHERE guild_id = $1 AND config_revision < $2`,
      [guildId, revision, now],
    );
  }

  async enabledGuildIds(): Promise<string[]> {
    const rows = (await this.dataSource.query(`SELECT guild_id AS "guildId" FROM schedules WHERE enabled`)) as { guildId: string }[];
    return rows.map((row) => row.guildId);
  }

  async get(guildId: string): Promise<ScheduleRow | undefined> {
    const [row] = (await this.dataSource.query(`SELECT ${SCHEDULE_COLUMNS} FROM schedules WHERE guild_id = $1`, [
      guildId,
    ])) as ScheduleRow[];
    return row;
  }
}
