/** The source of "now" for schedules, runs and leases; tests inject their own. */
export interface Clock {
  now(): Date;
}

export const CLOCK = Symbol('scheduler:clock');

export const systemClock: Clock = { now: () => new Date() };
