import { BOT_PERMISSIONS } from './bot-permissions.js';

describe('bot permissions', () => {
  it('is the integer Discord expects for the features, and nothing more (no Administrator)', () => {
    // View Channel 1<<10, Send Messages 1<<11, Manage Messages 1<<13, Read Message History 1<<16,
    // Kick 1<<1, Ban 1<<2, Create Public Threads 1<<35, Send Messages in Threads 1<<38, Moderate Members 1<<40.
    expect(BOT_PERMISSIONS).toBe(1408749349894n);
    expect(BOT_PERMISSIONS & 8n).toBe(0n);
  });
});
