/** The source of "now" for periods and ledger times; tests inject their own. */
export interface Clock {
  now(): Date;
}

export const CLOCK = Symbol('metering:clock');

export const systemClock: Clock = { now: () => new Date() };
