import { DEFAULT_GUILD_SETTINGS } from '@steward/contracts';
import { ApiError } from '../http/api-error.js';
import { mergePatch, validateSettings } from './settings-validation.js';

const CHANNEL = '100000000000000001';
const ROLE = '200000000000000001';
const UNKNOWN = '900000000000000009';
const known = { channelIds: new Set([CHANNEL]), roleIds: new Set([ROLE]) };

function problems(value: unknown, directory = known) {
  try {
    validateSettings(value, directory);
  } catch (error) {
    return (error as ApiError).details;
  }
  throw new Error('expected a validation error');
}

describe('guild settings validation', () => {
  it('fills defaults and accepts ids the server has', () => {
    expect(validateSettings({}, known)).toEqual(DEFAULT_GUILD_SETTINGS);
    const settings = validateSettings(
      { channelOverrides: { [CHANNEL]: 'off' }, staffRoleIds: [ROLE], moderation: { exemptRoleIds: [ROLE] } },
      known,
    );
    expect(settings.channelOverrides).toEqual({ [CHANNEL]: 'off' });
  });

  it('names unknown channels and roles, empty rules with moderation on, and a frequency not in the list', () => {
    expect(
      problems({
        channelOverrides: { [UNKNOWN]: 'all' },
        staffRoleIds: [UNKNOWN],
        moderation: { enabled: true, rules: '  ', exemptChannelIds: [UNKNOWN] },
      }),
    ).toEqual([
      {
        field: 'moderation.rules',
        message: expect.stringMatching(/must not be empty while moderation is enabled/),
      },
      { field: `channelOverrides.${UNKNOWN}`, message: 'is not a channel of this server' },
      { field: 'moderation.exemptChannelIds.0', message: `${UNKNOWN} is not a channel of this server` },
      { field: 'staffRoleIds.0', message: `${UNKNOWN} is not a role of this server` },
    ]);
    expect(problems({ proactive: { frequency: '3h' } })).toEqual([
      { field: 'proactive.frequency', message: 'must be one of 2h, 4h, 6h, 12h, daily, 2d, weekly' },
    ]);
    expect(problems({ responseMode: 5 })).toEqual([
      { field: 'responseMode', message: 'must be one of mention, all, ask' },
    ]);
  });

  it('takes quiet hours as HH:MM in an IANA time zone, and names what is wrong with others', () => {
    const quiet = validateSettings(
      { proactive: { quietHours: { start: '22:00', end: '08:00' }, timeZone: 'Europe/Berlin' } },
      known,
    );
    expect(quiet.proactive).toMatchObject({
      quietHours: { start: '22:00', end: '08:00' },
      timeZone: 'Europe/Berlin',
    });
    expect(validateSettings({}, known).proactive).toMatchObject({ quietHours: null, timeZone: 'UTC' });
    expect(
      problems({ proactive: { quietHours: { start: '24:00', end: '8:00' }, timeZone: 'Mars/Olympus' } }),
    ).toEqual([
      { field: 'proactive.quietHours.start', message: 'must be a time as HH:MM' },
      { field: 'proactive.quietHours.end', message: 'must be a time as HH:MM' },
      { field: 'proactive.timeZone', message: 'must be an IANA time zone such as Europe/Berlin' },
    ]);
    expect(problems({ proactive: { quietHours: { start: '22:00', end: '22:00' } } })).toEqual([
      { field: 'proactive.quietHours.end', message: 'must differ from start' },
    ]);
  });

  it('checks ids only when the directory knows the guild', () => {
    expect(validateSettings({ channelOverrides: { [UNKNOWN]: 'all' } }, null).channelOverrides).toEqual({
      [UNKNOWN]: 'all',
    });
  });

  it('merges patches the JSON merge patch way', () => {
    expect(mergePatch({ a: 1, o: { x: 1, y: 2 }, l: [1] }, { o: { y: null, z: 3 }, l: [2], b: 'n' })).toEqual(
      {
        a: 1,
        o: { x: 1, z: 3 },
        l: [2],
        b: 'n',
      },
    );
  });
});
