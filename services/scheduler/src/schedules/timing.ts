import type { proactiveFrequencies } from '@steward/contracts';

export type Frequency = (typeof proactiveFrequencies)[number];

const HOUR_MS = 60 * 60 * 1000;

export const FREQUENCY_MS: Record<Frequency, number> = {
  '2h': 2 * HOUR_MS,
  '4h': 4 * HOUR_MS,
  '6h': 6 * HOUR_MS,
  '12h': 12 * HOUR_MS,
  daily: 24 * HOUR_MS,
  '2d': 48 * HOUR_MS,
  weekly: 7 * 24 * HOUR_MS,
};

export function frequencyMs(frequency: string): number {
  const period = FREQUENCY_MS[frequency as Frequency];
  if (!period) throw new Error(`unknown proactive frequency ${JSON.stringify(frequency)}`);
  return period;
}

/**
 * The first slot of the schedule's grid (anchor + k * period, k ≥ 1) strictly after `after`.
 * However long the scheduler was away, this is one slot: missed posts collapse into the one
 * being made now, and the schedule continues on its grid.
 */
export function nextSlot(anchor: Date, periodMs: number, after: Date): Date {
  const elapsed = after.getTime() - anchor.getTime();
  const periods = elapsed < 0 ? 1 : Math.floor(elapsed / periodMs) + 1;
  return new Date(anchor.getTime() + periods * periodMs);
}

/** Quiet hours as minutes after local midnight; the window may span midnight (22:00–08:00). */
export interface QuietHours {
  startMinute: number;
  endMinute: number;
  timeZone: string;
}

/** Minutes after midnight of `at` in the time zone. */
export function localMinuteOfDay(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const hour = Number(parts.find((part) => part.type === 'hour')?.value ?? 0);
  const minute = Number(parts.find((part) => part.type === 'minute')?.value ?? 0);
  return hour * 60 + minute;
}

export function isQuiet(at: Date, quiet: QuietHours): boolean {
  const minute = localMinuteOfDay(at, quiet.timeZone);
  if (quiet.startMinute === quiet.endMinute) return false;
  return quiet.startMinute < quiet.endMinute
    ? minute >= quiet.startMinute && minute < quiet.endMinute
    : minute >= quiet.startMinute || minute < quiet.endMinute;
}

/** When the quiet window that contains `at` ends (to the minute). */
export function quietEnd(at: Date, quiet: QuietHours): Date {
  const minute = localMinuteOfDay(at, quiet.timeZone);
  const minutesLeft = (quiet.endMinute - minute + 24 * 60) % (24 * 60) || 24 * 60;
  const startOfMinute = Math.floor(at.getTime() / 60_000) * 60_000;
  const candidate = startOfMinute + minutesLeft * 60_000;
  // A night with a clock change lasts an hour more or less: set the end by what the local clock
  // then shows, unless that is still quiet (an end time the change skips): then the hour after.
  const shownEnd = localMinuteOfDay(new Date(candidate), quiet.timeZone);
  const offMinutes = ((quiet.endMinute - shownEnd + 36 * 60) % (24 * 60)) - 12 * 60;
  const corrected = new Date(candidate + offMinutes * 60_000);
  return corrected.getTime() > at.getTime() && !isQuiet(corrected, quiet) ? corrected : new Date(candidate);
}

/** Parses "HH:MM" into minutes after midnight. */
export function parseClockTime(value: string): number {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value);
  if (!match) throw new Error(`expected a time as HH:MM, got ${JSON.stringify(value)}`);
  return Number(match[1]) * 60 + Number(match[2]);
}
