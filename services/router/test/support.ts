import type { Bus } from '@steward/bus';
import { Streams } from '@steward/contracts';
import { waitFor } from '@steward/testing';
import { DISPATCH_CONSUMER } from '../src/dispatch/dispatch.controller.js';

/** Waits until the router has handled and acknowledged every dispatch published so far. */
export function routerIdle(bus: Bus): Promise<boolean> {
  return waitFor(
    async () => {
      const info = await bus.jsm.consumers.info(Streams.discordEvents.name, DISPATCH_CONSUMER);
      return info.num_pending === 0 && info.num_ack_pending === 0;
    },
    { timeoutMs: 5_000, message: 'the router to settle its dispatches' },
  );
}
