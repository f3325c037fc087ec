import { setTimeout as sleep } from 'node:timers/promises';
import type { KV } from '@nats-io/kv';

/** One KV entry as a mirror sees it: a put, or a delete/purge (`operation` other than PUT). */
export interface MirroredEntry {
  key: string;
  revision: number;
  operation: string;
  value: Uint8Array;
}

export interface MirrorKvOptions {
  /** Told when the watch ended or failed by itself, before the mirror watches again. */
  onInterrupted?(error: unknown): void;
  /** How long to wait before watching again (default 1 s). */
  rewatchDelayMs?: number;
}

/**
 * Feeds `apply` every entry of a bucket (a snapshot) and every change after it, for in-memory
 * views read on hot paths. The watch starts before the snapshot is read, so nothing written in
 * between is missed. The two may deliver a key in either order, so an entry older than one
 * already applied for its key is dropped here: `apply` sees each key's changes in order.
 *
 * Should the watch end by itself (its consumer lost for good, the bucket re-created), the mirror
 * watches again from every key's current value, so the view does not go stale silently.
 * Resolves once the snapshot is applied; returns a function that stops watching.
 */
export async function mirrorKv(
  kv: KV,
  apply: (entry: MirroredEntry) => void,
  options: MirrorKvOptions = {},
): Promise<() => void> {
  // Revisions applied per key while the snapshot and the watch overlap. The watch alone is in
  // order, so a key leaves the map once the watch has overtaken it (the map stays bounded).
  const applied = new Map<string, number>();
  let snapshotDone = false;
  let stopped = false;
  const applyNewer = (entry: MirroredEntry, from: 'watch' | 'snapshot') => {
    if ((applied.get(entry.key) ?? -1) >= entry.revision) return;
    if (from === 'watch' && snapshotDone) applied.delete(entry.key);
    else applied.set(entry.key, entry.revision);
    apply(entry);
  };

  let watcher = await kv.watch({ include: 'updates' });
  void (async () => {
    let following: typeof watcher | undefined = watcher;
    while (!stopped) {
      if (following) {
        let failure: unknown;
        try {
          for await (const entry of following) applyNewer(entry, 'watch');
        } catch (error) {
          failure = error;
        }
        if (stopped) return;
        options.onInterrupted?.(failure);
        following = undefined;
      }
      await sleep(options.rewatchDelayMs ?? 1_000);
      if (stopped) return;
      try {
        // Every key's latest value, then changes: the new watch alone is in order per key (a
        // re-created bucket numbers its revisions afresh).
        const next = await kv.watch();
        if (stopped) {
          next.stop();
          return;
        }
        applied.clear();
        watcher = following = next;
      } catch (error) {
        if (!stopped) options.onInterrupted?.(error);
      }
    }
  })();
  const keys: string[] = [];
  for await (const key of await kv.keys()) keys.push(key);
  await Promise.all(
    keys.map(async (key) => {
      const entry = await kv.get(key);
      if (entry) applyNewer(entry, 'snapshot');
    }),
  );
  snapshotDone = true;
  return () => {
    stopped = true;
    watcher.stop();
  };
}
