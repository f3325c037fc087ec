import { statisticsDelay, STATISTICS_TIMING } from './statistics-schedule.js';

const { quietMs, minIntervalMs, maxDelayMs } = STATISTICS_TIMING;

describe('when the vocabulary statistics are refreshed', () => {
  it('waits for a quiet moment after the first document ever indexed', () => {
    expect(statisticsDelay(1_000, 1_000, -Infinity)).toBe(quietMs);
  });

  it('waits out the minimum interval after the last refresh', () => {
    expect(statisticsDelay(5_000, 5_000, 2_000)).toBe(2_000 + minIntervalMs - 5_000);
  });

  it('refreshes at the latest the maximum delay after the first document that wanted it', () => {
    // Documents keep coming every half second: the quiet moment never comes.
    expect(statisticsDelay(40_000, 10_000, -Infinity)).toBe(0);
    expect(statisticsDelay(39_500, 10_000, -Infinity)).toBe(maxDelayMs - 29_500);
  });
});
