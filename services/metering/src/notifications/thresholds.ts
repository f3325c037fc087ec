/** Percentages of the quota at which the tenant is e-mailed, once per period each. */
export const THRESHOLDS = [80, 100] as const;
export type Threshold = (typeof THRESHOLDS)[number];

/** How many messages reach each threshold (80 % of 2,500 is 2,000; rounded up). */
export function thresholdCounts(quota: number): number[] {
  return THRESHOLDS.map((percent) => Math.ceil((quota * percent) / 100));
}

/** The thresholds that `used` messages out of `quota` have reached (none for a zero quota). */
export function thresholdsReached(used: number, quota: number): Threshold[] {
  if (quota <= 0) return [];
  const counts = thresholdCounts(quota);
  return THRESHOLDS.filter((_, index) => used >= counts[index]!);
}
