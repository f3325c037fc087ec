/**
 * Monthly billing periods anchored on a day of the month, in UTC. A period runs from the
 * anchor day of one month (inclusive) to the anchor day of the next (exclusive); in months
 * shorter than the anchor day the period starts on the month's last day instead.
 */
export interface BillingPeriod {
  /** First day of the period, YYYY-MM-DD (UTC). */
  start: string;
  /** First day of the next period, YYYY-MM-DD (UTC). */
  end: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export function billingPeriodAt(instant: Date, anchorDay: number): BillingPeriod {
  if (!Number.isInteger(anchorDay) || anchorDay < 1 || anchorDay > 31) {
    throw new RangeError(`anchorDay must be a whole number from 1 to 31, got ${anchorDay}`);
  }
  if (Number.isNaN(instant.getTime())) throw new RangeError('billingPeriodAt needs a valid date');
  const year = instant.getUTCFullYear();
  const month = instant.getUTCMonth();
  let start = anchorIn(year, month, anchorDay);
  if (instant.getTime() < start) start = anchorIn(year, month - 1, anchorDay);
  const startDate = new Date(start);
  const end = anchorIn(startDate.getUTCFullYear(), startDate.getUTCMonth() + 1, anchorDay);
  return { start: isoDay(start), end: isoDay(end) };
}

/** The days of a period from its start up to `until` (inclusive, capped at the period's end). */
export function daysOf(period: BillingPeriod, until: Date): string[] {
  const days: string[] = [];
  const last = Math.min(Date.parse(period.end) - DAY_MS, Date.parse(isoDay(until.getTime())));
  for (let day = Date.parse(period.start); day <= last; day += DAY_MS) days.push(isoDay(day));
  return days;
}

/** Midnight UTC of the anchor day in a month (month may be out of range: Date.UTC rolls it). */
function anchorIn(year: number, month: number, anchorDay: number): number {
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return Date.UTC(year, month, Math.min(anchorDay, lastDay));
}

export function isoDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}
