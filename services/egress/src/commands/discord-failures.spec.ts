import { describe, expect, it } from '@jest/globals';
import { DiscordAPIError, HTTPError, type DiscordErrorData } from '@discordjs/rest';
import { describeFailure } from './discord-failures.js';

const request = { body: undefined, files: undefined };

function discordError(
  status: number,
  code: number,
  message: string,
  errors?: DiscordErrorData['errors'],
): DiscordAPIError {
  return new DiscordAPIError(
    { code, message, ...(errors ? { errors } : {}) },
    code,
    status,
    'POST',
    'https://x',
    request,
  );
}

describe('failure descriptions', () => {
  it('explains a missing permission per verb, as a permanent failure', () => {
    expect(describeFailure(discordError(403, 50013, 'Missing Permissions'), 'send')).toEqual({
      retryable: false,
      httpStatus: 403,
      discordCode: 50013,
      reason: 'missing permission: the bot cannot send messages in this channel (Discord 50013)',
    });
    expect(describeFailure(discordError(403, 50013, 'Missing Permissions'), 'ban').reason).toBe(
      "missing permission: the bot cannot ban this member (needs Ban Members and a top role above the member's; never the owner) (Discord 50013)",
    );
  });

  it('names unknown resources and passes Discord’s field errors through', () => {
    expect(describeFailure(discordError(404, 10008, 'Unknown Message'), 'delete').reason).toBe(
      'unknown message: it was deleted or never existed (Discord 10008)',
    );
    const invalid = discordError(400, 50035, 'Invalid Form Body', {
      content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] },
    });
    expect(describeFailure(invalid, 'send').reason).toBe(
      'invalid request: Invalid Form Body; content[BASE_TYPE_MAX_LENGTH]: Must be 2000 or fewer in length. (Discord 50035)',
    );
  });

  it('treats 5xx and unreachable Discord as worth retrying', () => {
    expect(
      describeFailure(new HTTPError(503, 'Service Unavailable', 'POST', 'https://x', request), 'send'),
    ).toEqual({
      retryable: true,
      httpStatus: 503,
      discordCode: 0,
      reason: 'Discord failed with HTTP 503 Service Unavailable on every attempt',
    });
    expect(describeFailure(new Error('connect ECONNREFUSED 127.0.0.1:9'), 'kick')).toMatchObject({
      retryable: true,
      httpStatus: 0,
      reason: 'Discord could not be reached: connect ECONNREFUSED 127.0.0.1:9',
    });
  });
});
