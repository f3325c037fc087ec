/**
 * Percentages of the quota at which the tenant is e-mailed, once per period each. The count
 * that reaches one (80 % of 2,500 is 2,000, rounded up) is worked out by the reservation
 * statements in Postgres (quota/reserve-statement.ts), under the counter's lock.
 */
export const THRESHOLDS = [80, 100] as const;
export type Threshold = (typeof THRESHOLDS)[number];
