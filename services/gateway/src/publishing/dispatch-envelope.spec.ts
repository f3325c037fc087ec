import { describe, expect, it } from '@jest/globals';
import { dispatchEnvelope, guildIdOf } from './dispatch-envelope.js';

const APP = '100000000000000001';
const GUILD = '200000000000000002';

describe('dispatchEnvelope', () => {
  it('routes a guild message by guild_id and keeps the payload as Discord sent it', () => {
    const d = { id: '300000000000000003', guild_id: GUILD, content: 'héllo "world"', mentions: [] };
    const envelope = dispatchEnvelope(APP, 1, 'abc', { t: 'MESSAGE_CREATE', s: 42, d });
    expect(envelope.subject).toBe(`discord.evt.${APP}.${GUILD}.MESSAGE_CREATE`);
    expect(envelope.msgId).toBe(`${APP}:abc:42`);
    expect(JSON.parse(Buffer.from(envelope.data).toString('utf8'))).toEqual(d);
    expect(envelope.headers).toMatchObject({ 'Discord-Event-Type': 'MESSAGE_CREATE', 'Discord-Shard': '1', 'Discord-Sequence': '42' });
  });

  it('routes GUILD_CREATE/UPDATE/DELETE by the guild id itself', () => {
    for (const type of ['GUILD_CREATE', 'GUILD_UPDATE', 'GUILD_DELETE']) expect(guildIdOf(type, { id: GUILD })).toBe(GUILD);
    expect(guildIdOf('CHANNEL_CREATE', { id: '9', guild_id: GUILD })).toBe(GUILD);
  });

  it('puts events without a guild under dm', () => {
    expect(dispatchEnvelope(APP, 0, 's', { t: 'READY', s: 1, d: { session_id: 's' } }).subject).toBe(`discord.evt.${APP}.dm.READY`);
    expect(dispatchEnvelope(APP, 0, 's', { t: 'RESUMED', s: 2, d: null }).subject).toBe(`discord.evt.${APP}.dm.RESUMED`);
    expect(guildIdOf('MESSAGE_CREATE', { guild_id: 'not.a.token' })).toBeNull();
  });
});
