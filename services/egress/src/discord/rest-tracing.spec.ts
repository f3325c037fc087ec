import { discordRouteTemplate } from './rest-tracing.js';

describe('discordRouteTemplate', () => {
  it('names the route with placeholders for ids', () => {
    expect(discordRouteTemplate('http://127.0.0.1:4000/api/v10/channels/123456789012345678/messages')).toBe(
      '/channels/{id}/messages',
    );
    expect(discordRouteTemplate('https://discord.com/api/v10/guilds/1234567/bans/7654321')).toBe(
      '/guilds/{id}/bans/{id}',
    );
  });

  it('never carries an interaction or webhook token into a trace', () => {
    const callback = discordRouteTemplate(
      'https://discord.com/api/v10/interactions/998877665544/aW50ZXJhY3Rpb246c2VjcmV0/callback',
    );
    expect(callback).toBe('/interactions/{id}/{token}/callback');
    const edit = discordRouteTemplate(
      'https://discord.com/api/v10/webhooks/998877665544/aW50ZXJhY3Rpb24/messages/@original',
    );
    expect(edit).toBe('/webhooks/{id}/{token}/messages/@original');
  });

  it('hides the emoji of a reaction route', () => {
    expect(
      discordRouteTemplate(
        'https://discord.com/api/v10/channels/123456/messages/654321/reactions/%F0%9F%91%8D/@me',
      ),
    ).toBe('/channels/{id}/messages/{id}/reactions/{emoji}/@me');
  });
});
