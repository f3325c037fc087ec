import { z } from '@steward/config';
import { guildConfig } from '@steward/contracts';
import { isTimeZone, parseClockTime, type QuietHours } from './timing.js';

/** A guild's schedule as the scheduler keeps it, read from its `config-guilds` entry. */
export interface ScheduleSettings {
  guildId: string;
  tenantId: string;
  applicationId: string;
  enabled: boolean;
  channelName: string;
  frequency: string;
  topics: string[];
  quietHours: QuietHours | null;
}

const clockTime = z.string().refine(
  (value) => {
    try {
      parseClockTime(value);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be a time as HH:MM' },
);

/**
 * Quiet hours and time zone of a schedule (`settings.proactive.quietHours: { start, end }`,
 * `settings.proactive.timeZone`). Read from the raw entry: they are optional extras next to the
 * shared guild settings schema.
 */
const proactiveExtras = z.object({
  quietHours: z.object({ start: clockTime, end: clockTime }).nullish(),
  timeZone: z.string().refine(isTimeZone, { message: 'must be an IANA time zone such as Europe/Berlin' }).optional(),
});

export type ParsedEntry = { settings: ScheduleSettings; warnings: string[] };

/** The schedule of one `config-guilds` entry; throws with the reason when the entry is invalid. */
export function scheduleSettingsOf(raw: unknown): ParsedEntry {
  const config = guildConfig.parse(raw);
  const proactive = config.settings.proactive;
  const warnings: string[] = [];
  let quietHours: QuietHours | null = null;
  const rawProactive = (raw as { settings?: { proactive?: unknown } }).settings?.proactive ?? {};
  const extras = proactiveExtras.safeParse(rawProactive);
  if (!extras.success) {
    warnings.push(`quiet hours ignored: ${z.prettifyError(extras.error).replace(/\n/g, '; ')}`);
  } else if (extras.data.quietHours) {
    quietHours = {
      startMinute: parseClockTime(extras.data.quietHours.start),
      endMinute: parseClockTime(extras.data.quietHours.end),
      timeZone: extras.data.timeZone ?? 'UTC',
    };
  }
  return {
    settings: {
      guildId: config.guildId,
      tenantId: config.tenantId,
      applicationId: config.applicationId,
      enabled: proactive.enabled,
      channelName: proactive.channelName.trim().replace(/^#/, ''),
      frequency: proactive.frequency,
      topics: [...new Set(proactive.topics.map((topic) => topic.trim()).filter(Boolean))],
      quietHours,
    },
    warnings,
  };
}
