import { usageFactMsgId } from './usage-fact.js';

describe('usage fact message ids', () => {
  it('derive from the operation id, so a republished fact is stored once', () => {
    expect(usageFactMsgId({ change: 'granted', operation_id: 'op-1', grant_no: 1 })).toBe('op-1');
    expect(usageFactMsgId({ change: 'released', operation_id: 'op-1', grant_no: 1 })).toBe('op-1:release');
    expect(usageFactMsgId({ change: 'granted', operation_id: 'op-1', grant_no: 2 })).toBe('op-1:grant:2');
    expect(usageFactMsgId({ change: 'released', operation_id: 'op-1', grant_no: 2 })).toBe('op-1:release:2');
  });
});
