import { jest } from '@jest/globals';
import { StatisticsSchedule, statisticsDelay, STATISTICS_TIMING } from './statistics-schedule.js';

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

describe('the statistics schedule', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('refreshes once for an upload of many documents, a quiet moment after the last', async () => {
    const refreshedAt: number[] = [];
    const refresh = jest.fn(async () => {
      refreshedAt.push(performance.now());
    });
    const schedule = new StatisticsSchedule(refresh);
    for (let document = 0; document < 5; document++) {
      schedule.wanted();
      await jest.advanceTimersByTimeAsync(quietMs / 2);
    }
    expect(refresh).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(quietMs);
    expect(refresh).toHaveBeenCalledTimes(1);

    // The next document waits out the minimum interval since that refresh.
    schedule.wanted();
    await jest.advanceTimersByTimeAsync(refreshedAt[0]! + minIntervalMs - performance.now() - 1);
    expect(refresh).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(refresh).toHaveBeenCalledTimes(2);
    await schedule.stop();
  });

  it('refreshes nothing once stopped', async () => {
    const refresh = jest.fn(async () => undefined);
    const schedule = new StatisticsSchedule(refresh);
    schedule.wanted();
    await schedule.stop();
    schedule.wanted();
    await jest.advanceTimersByTimeAsync(maxDelayMs);
    expect(refresh).not.toHaveBeenCalled();
  });
});
