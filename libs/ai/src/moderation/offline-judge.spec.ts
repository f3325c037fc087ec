import { describe, expect, it } from '@jest/globals';
import { detectFlood, detectInviteLink, detectMassMention, detectProfanity, parseRules } from './detectors.js';
import type { ModerationInput } from './moderation.js';
import { OfflineModerationJudge } from './offline-judge.js';

const RULES = [
  'No invite links to other servers.',
  'No slurs.',
  'No selling accounts.',
  'Never post "free nitro" or «cheap boost» offers.',
  '/buy\\s+followers?/i',
  '/unclosed(/',
].join('\n');

function input(message: string, overrides: Partial<ModerationInput> = {}): ModerationInput {
  return {
    message,
    authorName: 'mallory',
    authorId: '100000000000000001',
    recentChannelMessages: [],
    rules: RULES,
    language: 'en',
    ...overrides,
  };
}

const judge = new OfflineModerationJudge({ now: () => 1_000_000 });

describe('tenant rule patterns', () => {
  it('reads /regex/ lines and quoted phrases, and reports regexes that do not compile', () => {
    const parsed = parseRules(RULES);
    expect(parsed.patterns.map((pattern) => pattern.source)).toEqual(['"free nitro"', '"cheap boost"', '/buy\\s+followers?/i']);
    expect(parsed.invalid).toEqual([{ line: '/unclosed(/', error: expect.any(String) }]);
  });

  it('matches a quoted phrase as whole words, whatever the case and accents, and names the rule line', async () => {
    const verdict = await judge.judge(input('get your FREE   Nitro here'));
    expect(verdict).toMatchObject({
      violation: true,
      rule: 'Never post "free nitro" or «cheap boost» offers.',
      severity: 'medium',
      recommendedAction: 'delete',
      engine: 'offline',
    });
    expect((await judge.judge(input('freenitrogen is a gas'))).violation).toBe(false);
  });

  it('matches a regex line', async () => {
    expect(await judge.judge(input('Buy followers now, DM me'))).toMatchObject({ violation: true, rule: '/buy\\s+followers?/i' });
  });
});

describe('built-in detectors', () => {
  it('finds invite links in their usual and disguised forms, not other Discord links', () => {
    expect(detectInviteLink('join https://discord.gg/abc123 now')).toBeDefined();
    expect(detectInviteLink('discord.com/invite/xyz-42')).toBeDefined();
    expect(detectInviteLink('discord . gg / raidhub')).toBeDefined();
    expect(detectInviteLink('see https://discord.com/channels/1/2')).toBeUndefined();
  });

  it('finds mass mentions by distinct members and roles, and @everyone', () => {
    const four = '<@1> <@2> <@3> <@&4> <@1>';
    expect(detectMassMention(four)).toBeUndefined();
    expect(detectMassMention(`${four} <@!5>`)).toMatchObject({ severity: 'medium', recommendedAction: 'delete' });
    const ten = Array.from({ length: 10 }, (_, i) => `<@${i + 10}>`).join(' ');
    expect(detectMassMention(ten)).toMatchObject({ severity: 'high', recommendedAction: 'timeout' });
    expect(detectMassMention('hey @everyone look')).toMatchObject({ severity: 'medium' });
  });

  it('finds floods only among the author’s own recent identical messages', () => {
    const author = { id: 'a', name: 'mallory' };
    const mine = (content: string, sentAtMs = 990_000) => ({ authorId: 'a', author: 'mallory', content, sentAtMs });
    const theirs = { authorId: 'b', author: 'bob', content: 'BUY NOW', sentAtMs: 990_000 };
    expect(detectFlood('buy now', author, [mine('buy now'), theirs], 1_000_000)).toBeUndefined();
    expect(detectFlood('buy now', author, [mine('Buy  now'), mine('buy now')], 1_000_000)).toMatchObject({
      severity: 'medium',
      recommendedAction: 'delete',
    });
    expect(detectFlood('buy now', author, [mine('buy now', 1), mine('buy now', 2)], 1_000_000)).toBeUndefined();
    expect(detectFlood('buy now', author, Array.from({ length: 4 }, () => mine('buy now')), 1_000_000)).toMatchObject({
      severity: 'high',
      recommendedAction: 'timeout',
    });
  });

  it('tells slurs from swearing', () => {
    expect(detectProfanity('you are a fucking idiot')).toMatchObject({ detector: 'profanity', severity: 'low' });
    expect(detectProfanity('go away you n1gger')).toMatchObject({ detector: 'slur', severity: 'high' });
    expect(detectProfanity('the Scunthorpe assistant classic')).toBeUndefined();
  });
});

describe('OfflineModerationJudge', () => {
  it('names the tenant’s own rule for a built-in detector', async () => {
    const verdict = await judge.judge(input('come to discord.gg/raid'));
    expect(verdict).toMatchObject({ violation: true, rule: 'No invite links to other servers.', confidence: 0.95 });
  });

  it('leaves swearing alone unless the rules forbid it, and always catches slurs', async () => {
    expect((await judge.judge(input('well shit, that broke'))).violation).toBe(false);
    expect(await judge.judge(input('well shit, that broke', { rules: 'Keep your language clean.' }))).toMatchObject({
      violation: true,
      rule: 'Keep your language clean.',
      severity: 'low',
      recommendedAction: 'warn',
    });
    expect(await judge.judge(input('shut up you tranny'))).toMatchObject({ violation: true, rule: 'No slurs.', severity: 'high' });
  });

  it('picks the most severe finding', async () => {
    const flood = Array.from({ length: 4 }, () => ({ authorId: '100000000000000001', author: 'mallory', content: 'free nitro discord.gg/x', sentAtMs: 999_000 }));
    const verdict = await judge.judge(input('free nitro discord.gg/x', { recentChannelMessages: flood }));
    expect(verdict).toMatchObject({ severity: 'high', recommendedAction: 'timeout' });
  });

  it('finds nothing in an ordinary message, and cannot read plain-language rules', async () => {
    expect(await judge.judge(input('how do I reset my password?'))).toMatchObject({ violation: false, severity: 'none', recommendedAction: 'none' });
    expect((await judge.judge(input('selling my account, 50 euros'))).violation).toBe(false);
  });

  it('rejects input it cannot work with', async () => {
    await expect(judge.judge(input('x', { language: 'xx' as never }))).rejects.toThrow(/Invalid moderation input: language/);
  });
});
