import { billingPeriodAt, daysOf } from './billing-period.js';

const at = (iso: string) => new Date(iso);

describe('billing periods', () => {
  it('runs calendar months with anchor day 1', () => {
    expect(billingPeriodAt(at('2025-03-31T23:59:59Z'), 1)).toEqual({
      start: '2025-03-01',
      end: '2025-04-01',
    });
    expect(billingPeriodAt(at('2025-04-01T00:00:00Z'), 1)).toEqual({
      start: '2025-04-01',
      end: '2025-05-01',
    });
    expect(billingPeriodAt(at('2024-12-31T23:59:59.999Z'), 1)).toEqual({
      start: '2024-12-01',
      end: '2025-01-01',
    });
  });

  it('starts mid-month on the anchor day and belongs to the previous month before it', () => {
    expect(billingPeriodAt(at('2025-05-14T23:59:59Z'), 15)).toEqual({
      start: '2025-04-15',
      end: '2025-05-15',
    });
    expect(billingPeriodAt(at('2025-05-15T00:00:00Z'), 15)).toEqual({
      start: '2025-05-15',
      end: '2025-06-15',
    });
    expect(billingPeriodAt(at('2025-01-10T12:00:00Z'), 15)).toEqual({
      start: '2024-12-15',
      end: '2025-01-15',
    });
  });

  it("clamps the anchor to the month's last day", () => {
    expect(billingPeriodAt(at('2025-02-27T12:00:00Z'), 31)).toEqual({
      start: '2025-01-31',
      end: '2025-02-28',
    });
    expect(billingPeriodAt(at('2025-02-28T00:00:00Z'), 31)).toEqual({
      start: '2025-02-28',
      end: '2025-03-31',
    });
    expect(billingPeriodAt(at('2024-02-29T08:00:00Z'), 30)).toEqual({
      start: '2024-02-29',
      end: '2024-03-30',
    });
    expect(billingPeriodAt(at('2025-04-30T00:00:00Z'), 31)).toEqual({
      start: '2025-04-30',
      end: '2025-05-31',
    });
  });

  it('refuses an anchor day outside 1..31', () => {
    expect(() => billingPeriodAt(at('2025-01-01T00:00:00Z'), 0)).toThrow(/anchorDay/);
    expect(() => billingPeriodAt(at('2025-01-01T00:00:00Z'), 32)).toThrow(/anchorDay/);
  });

  it('lists the days of a period up to today', () => {
    const period = { start: '2025-02-27', end: '2025-03-02' };
    expect(daysOf(period, at('2025-02-28T10:00:00Z'))).toEqual(['2025-02-27', '2025-02-28']);
    expect(daysOf(period, at('2025-06-01T00:00:00Z'))).toEqual(['2025-02-27', '2025-02-28', '2025-03-01']);
  });
});
