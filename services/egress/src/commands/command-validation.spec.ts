import { describe, expect, it } from '@jest/globals';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { DiscordCommandSchema } from '@steward/contracts';
import { validateCommand } from './command-validation.js';

const APP = '100000000000000001';
const CHANNEL = '100000000000000002';

function problemsOf(init: MessageInitShape<typeof DiscordCommandSchema>, subject?: string): string[] {
  const command = create(DiscordCommandSchema, { commandId: 'c-1', applicationId: APP, ...init });
  return validateCommand(command, subject ?? `discord.cmd.${APP}.${verbOf(init)}`);
}

function verbOf(init: MessageInitShape<typeof DiscordCommandSchema>): string {
  return { sendMessage: 'send', timeoutMember: 'timeout', editOriginalResponse: 'edit-original' }[
    init.action?.case as string
  ]!;
}

describe('command validation', () => {
  it('accepts a well-formed reply', () => {
    expect(
      problemsOf({
        action: {
          case: 'sendMessage',
          value: { channelId: CHANNEL, content: 'hi', buttons: [{ customId: 'up', label: 'Helpful' }] },
        },
      }),
    ).toEqual([]);
  });

  it('names every problem of a command Discord would refuse', () => {
    expect(
      problemsOf({
        action: {
          case: 'sendMessage',
          value: {
            channelId: '#general',
            content: 'x'.repeat(2001),
            buttons: [{ label: 'no id' }, { url: 'ftp://example.com', label: 'link' }],
          },
        },
      }),
    ).toEqual([
      'send_message.channel_id must be a Discord id, got "#general"',
      'send_message.content is 2001 characters; Discord allows 2000',
      'send_message.buttons[0].custom_id must be 1 to 100 characters (or give a url)',
      'send_message.buttons[1].url must be an http(s) URL',
    ]);
  });

  it('requires a guild and bounds the timeout for member actions', () => {
    expect(
      problemsOf({ action: { case: 'timeoutMember', value: { userId: CHANNEL, minutes: 50_000 } } }),
    ).toEqual([
      'guild_id must be a Discord id, got ""',
      'timeout_member.minutes must be at most 40320 (28 days), got 50000',
    ]);
  });

  it('refuses a command published on another verb’s subject, or without an action', () => {
    expect(
      problemsOf(
        { action: { case: 'sendMessage', value: { channelId: CHANNEL, content: 'hi' } } },
        `discord.cmd.${APP}.delete`,
      ),
    ).toEqual([
      `a sendMessage command for application ${APP} belongs on discord.cmd.${APP}.send, not discord.cmd.${APP}.delete`,
    ]);
    expect(problemsOf({}, `discord.cmd.${APP}.send`)).toEqual(['the command has no action']);
  });
});
