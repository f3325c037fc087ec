import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import {
  channelOverrideIn,
  type ChannelPlaceView as ChannelPlace,
  type GuildSettings,
} from '@steward/contracts';
import { DirectoryStore } from './directory.store.js';

/** Long enough to spare the directory a read per message, short enough for a moved channel. */
const KEEP_MS = 60_000;
/** A channel the directory does not have yet (its THREAD_CREATE may be on its way) is read again soon. */
const KEEP_UNKNOWN_MS = 5_000;
const MAX_CHANNELS = 10_000;
/** How long a forum post's first message waits for the post's THREAD_CREATE to be stored. */
const THREAD_CREATE_GRACE_MS = 300;

/** Where a channel the directory does not know is taken to be. */
const UNKNOWN_PLACE: ChannelPlace = { isThread: false, parentIds: [] };

/** Each channel's place (a thread or not, what it sits in), read from the directory and kept a minute. */
@Injectable()
export class ChannelPlaces {
  private readonly known = new Map<string, { place: ChannelPlace; until: number }>();

  constructor(private readonly directory: DirectoryStore) {}

  /**
   * `expectThread`: the message is a forum post's first one, whose THREAD_CREATE arrives with
   * it; a directory that does not have the post yet is read again a moment later.
   */
  async of(
    channelId: string,
    options: { expectThread?: boolean } = {},
    nowMs = Date.now(),
  ): Promise<ChannelPlace> {
    const cached = this.known.get(channelId);
    if (cached && cached.until > nowMs && (cached.place !== UNKNOWN_PLACE || !options.expectThread))
      return cached.place;
    let found = await this.directory.channelPlace(channelId);
    if (!found && options.expectThread) {
      await sleep(THREAD_CREATE_GRACE_MS);
      found = await this.directory.channelPlace(channelId);
    }
    if (this.known.size >= MAX_CHANNELS) this.known.delete(this.known.keys().next().value!);
    this.known.set(channelId, {
      place: found ?? UNKNOWN_PLACE,
      until: nowMs + (found ? KEEP_MS : KEEP_UNKNOWN_MS),
    });
    return found ?? UNKNOWN_PLACE;
  }
}

/**
 * The guild's settings as they hold in a channel: a thread, or a channel in a category, takes
 * the response mode set for what it sits in, unless it has one of its own.
 */
export function settingsInPlace<S extends Pick<GuildSettings, 'channelOverrides'>>(
  settings: S,
  channelId: string,
  place: ChannelPlace,
): S {
  const overrides = settings.channelOverrides;
  if (overrides[channelId]) return settings;
  const inherited = channelOverrideIn(overrides, channelId, place.parentIds);
  return inherited ? { ...settings, channelOverrides: { ...overrides, [channelId]: inherited } } : settings;
}
