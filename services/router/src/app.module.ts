import { Module } from '@nestjs/common';
import { guildConfigStoreProvider } from '@steward/runtime';
import { MemberCooldowns } from './cooldown/member-cooldowns.js';
import { MessageRouter } from './decision/message-router.js';
import { BotIdentities } from './directory/bot-identities.js';
import { ChannelPlaces } from './directory/channel-places.js';
import { ThreadPermissions } from './directory/thread-permissions.js';
import { DirectoryController } from './directory/directory.controller.js';
import { DirectoryEvents } from './directory/directory-events.js';
import { DirectoryStore } from './directory/directory.store.js';
import { DispatchController } from './dispatch/dispatch.controller.js';
import { ChannelHistory } from './history/channel-history.js';
import { TakeoverState } from './takeover/takeover-state.js';

@Module({
  controllers: [DispatchController, DirectoryController],
  providers: [
    DirectoryStore,
    ChannelPlaces,
    ThreadPermissions,
    BotIdentities,
    DirectoryEvents,
    guildConfigStoreProvider,
    ChannelHistory,
    MemberCooldowns,
    TakeoverState,
    MessageRouter,
  ],
})
export class RouterModule {}
