import type { KV } from '@nats-io/kv';

/** One KV entry as a mirror sees it: a put, or a delete/purge (`operation` other than PUT). */
export interface MirroredEntry {
  key: string;
  revision: number;
  operation: string;
  value: Uint8Array;
}

/**
 * Feeds `apply` every entry of a bucket (a snapshot) and every change after it, for in-memory
 * views read on hot paths. The watch starts before the snapshot is read, so nothing written in
 * between is missed; the two may deliver a key in either order, so `apply` keeps the highest
 * revision per key. Resolves once the snapshot is applied; returns a function that stops watching.
 */
export async function mirrorKv(kv: KV, apply: (entry: MirroredEntry) => void): Promise<() => void> {
  const watcher = await kv.watch({ include: 'updates' });
  void (async () => {
    for await (const entry of watcher) apply(entry);
  })();
  const keys: string[] = [];
  for await (const key of await kv.keys()) keys.push(key);
  await Promise.all(
    keys.map(async (key) => {
      const entry = await kv.get(key);
      if (entry) apply(entry);
    }),
  );
  return () => watcher.stop();
}
