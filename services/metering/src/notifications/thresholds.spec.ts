import { thresholdsReached } from './thresholds.js';

describe('quota thresholds', () => {
  it('reaches 80 % and 100 % of the quota, rounding the 80 % mark up', () => {
    expect(thresholdsReached(1_999, 2_500)).toEqual([]);
    expect(thresholdsReached(2_000, 2_500)).toEqual([80]);
    expect(thresholdsReached(2_500, 2_500)).toEqual([80, 100]);
    expect(thresholdsReached(7, 9)).toEqual([]);
    expect(thresholdsReached(8, 9)).toEqual([80]);
  });

  it('counts usage above a lowered quota as both thresholds, and a zero quota as none', () => {
    expect(thresholdsReached(3_000, 2_500)).toEqual([80, 100]);
    expect(thresholdsReached(0, 0)).toEqual([]);
  });
});
