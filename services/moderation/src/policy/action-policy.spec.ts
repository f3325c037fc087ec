import { describe, expect, it } from '@jest/globals';
import type { ModerationVerdict } from '@steward/ai';
import { chooseAction, type EnabledActions } from './action-policy.js';

const only = (...actions: (keyof EnabledActions)[]): EnabledActions => ({
  warn: actions.includes('warn'),
  delete: actions.includes('delete'),
  timeout: actions.includes('timeout'),
  kick: actions.includes('kick'),
  ban: actions.includes('ban'),
});

function verdict(fields: Partial<ModerationVerdict>): ModerationVerdict {
  return { violation: true, severity: 'medium', recommendedAction: 'delete', confidence: 0.95, reason: 'r', engine: 'anthropic', ...fields };
}

const choose = (v: Partial<ModerationVerdict>, enabled: EnabledActions, ceiling?: 'delete') =>
  chooseAction({ verdict: verdict(v), enabled, minConfidence: 0.7, ceiling }).action;

describe('chooseAction', () => {
  it('takes the mildest enabled action that fits the severity', () => {
    const all = only('warn', 'delete', 'timeout', 'kick', 'ban');
    expect(choose({ severity: 'low' }, all)).toBe('warn');
    expect(choose({ severity: 'medium' }, all)).toBe('delete');
    expect(choose({ severity: 'high' }, all)).toBe('timeout');
    expect(choose({ severity: 'critical', recommendedAction: 'ban' }, all)).toBe('kick');
    expect(choose({ severity: 'critical', recommendedAction: 'ban' }, only('delete', 'ban'))).toBe('ban');
  });

  it('deletes a mild violation when delete is all the tenant enabled, and warns once warn is enabled', () => {
    expect(choose({ severity: 'low', recommendedAction: 'warn' }, only('delete'))).toBe('delete');
    expect(choose({ severity: 'low' }, only('delete', 'warn', 'timeout'))).toBe('warn');
  });

  it('falls back to the strongest enabled lesser action, never one that is not enabled', () => {
    expect(choose({ severity: 'critical', recommendedAction: 'ban' }, only('delete'))).toBe('delete');
    expect(choose({ severity: 'critical', recommendedAction: 'ban' }, only('warn', 'delete', 'timeout'))).toBe('timeout');
    expect(choose({ severity: 'medium' }, only('warn'))).toBe('warn');
  });

  it('never goes above what the severity calls for', () => {
    expect(chooseAction({ verdict: verdict({ severity: 'low' }), enabled: only('ban'), minConfidence: 0.7 })).toEqual({
      action: null,
      reason: 'nothing_enabled',
    });
    expect(choose({ severity: 'medium', recommendedAction: 'ban' }, only('kick', 'ban'))).toBeNull();
  });

  it('does nothing when in doubt, without a violation, or when the judge recommends nothing', () => {
    const all = only('warn', 'delete', 'timeout', 'kick', 'ban');
    expect(chooseAction({ verdict: verdict({ confidence: 0.69 }), enabled: all, minConfidence: 0.7 })).toEqual({ action: null, reason: 'low_confidence' });
    expect(chooseAction({ verdict: verdict({ violation: false, severity: 'none' }), enabled: all, minConfidence: 0.7 })).toEqual({
      action: null,
      reason: 'no_violation',
    });
    expect(choose({ recommendedAction: 'none' }, all)).toBeNull();
  });

  it('takes nothing destructive on a fallback guess or above the ceiling', () => {
    const all = only('warn', 'delete', 'timeout', 'kick', 'ban');
    expect(choose({ severity: 'critical', recommendedAction: 'delete', fallback: true }, all)).toBe('delete');
    expect(choose({ severity: 'high', fallback: true }, only('warn', 'timeout', 'kick'))).toBe('warn');
    expect(choose({ severity: 'high' }, all, 'delete')).toBe('delete');
  });
});
