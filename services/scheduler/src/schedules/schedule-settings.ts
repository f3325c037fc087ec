import { guildConfig } from '@steward/contracts';
import { parseClockTime, type QuietHours } from './timing.js';

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

/** The schedule of one `config-guilds` entry; throws with the reason when the entry is invalid. */
export function scheduleSettingsOf(raw: unknown): ScheduleSettings {
  const config = guildConfig.parse(raw);
  const proactive = config.settings.proactive;
  return {
    guildId: config.guildId,
    tenantId: config.tenantId,
    applicationId: config.applicationId,
    enabled: proactive.enabled,
    channelName: proactive.channelName.trim().replace(/^#/, ''),
    frequency: proactive.frequency,
    topics: [...new Set(proactive.topics.map((topic) => topic.trim()).filter(Boolean))],
    quietHours: proactive.quietHours && {
      startMinute: parseClockTime(proactive.quietHours.start),
      endMinute: parseClockTime(proactive.quietHours.end),
      timeZone: proactive.timeZone,
    },
  };
}
