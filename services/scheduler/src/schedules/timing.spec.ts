import { describe, expect, it } from '@jest/globals';
import { FREQUENCY_MS, isQuiet, nextSlot, parseClockTime, quietEnd } from './timing.js';

const at = (iso: string) => new Date(iso);

describe('nextSlot', () => {
  const anchor = at('2030-01-01T00:00:00Z');
  const twoHours = FREQUENCY_MS['2h'];

  it('is one period after the anchor before the first post', () => {
    expect(nextSlot(anchor, twoHours, anchor)).toEqual(at('2030-01-01T02:00:00Z'));
  });

  it('is the next slot of the grid after a post, however late it was made', () => {
    expect(nextSlot(anchor, twoHours, at('2030-01-01T02:00:00Z'))).toEqual(at('2030-01-01T04:00:00Z'));
    expect(nextSlot(anchor, twoHours, at('2030-01-01T02:00:05Z'))).toEqual(at('2030-01-01T04:00:00Z'));
  });

  it('collapses a day of missed 2-hour slots into one: the next is back on the grid', () => {
    expect(nextSlot(anchor, twoHours, at('2030-01-02T03:10:00Z'))).toEqual(at('2030-01-02T04:00:00Z'));
  });
});

describe('quiet hours', () => {
  const night = { startMinute: parseClockTime('22:00'), endMinute: parseClockTime('08:00'), timeZone: 'Europe/Berlin' };

  it('spans midnight in the schedule\'s time zone', () => {
    expect(isQuiet(at('2030-01-15T22:30:00Z'), night)).toBe(true); // 23:30 in Berlin
    expect(isQuiet(at('2030-01-15T06:30:00Z'), night)).toBe(true); // 07:30
    expect(isQuiet(at('2030-01-15T07:00:00Z'), night)).toBe(false); // 08:00
    expect(isQuiet(at('2030-01-15T12:00:00Z'), night)).toBe(false);
  });

  it('ends at the local end time', () => {
    expect(quietEnd(at('2030-01-15T22:30:00Z'), night)).toEqual(at('2030-01-16T07:00:00Z'));
  });

  it('ends at the local end time on the nights the clocks change', () => {
    // 2030: Berlin moves to summer time on 31 March (a 23-hour night) and back on 27 October.
    expect(quietEnd(at('2030-03-30T22:00:00Z'), night)).toEqual(at('2030-03-31T06:00:00Z')); // 08:00 CEST
    expect(quietEnd(at('2030-10-26T21:00:00Z'), night)).toEqual(at('2030-10-27T07:00:00Z')); // 08:00 CET
    // An end the clocks skip (02:30 on 31 March): the first quiet-free minute after it, 03:30 CEST.
    const skippedEnd = { ...night, endMinute: parseClockTime('02:30') };
    const end = quietEnd(at('2030-03-30T22:00:00Z'), skippedEnd);
    expect(isQuiet(end, skippedEnd)).toBe(false);
    expect(end.getTime()).toBeLessThanOrEqual(at('2030-03-31T01:30:00Z').getTime());
  });

  it('rejects malformed times', () => {
    expect(() => parseClockTime('25:00')).toThrow(/HH:MM/);
  });
});
