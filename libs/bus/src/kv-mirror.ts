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
 * between is missed. The two may deliver a key in either order, so an entry older than one
 * already applied for its key is dropped here: `apply` sees each key's changes in order.
 * Resolves once the snapshot is applied; returns a function that stops watching.
 */
export async function mirrorKv(kv: KV, apply: (entry: MirroredEntry) => void): Promise<() => void> {
  // Revisions applied per key while the snapshot and the watch overlap. The watch alone is in
  // order, so a key leaves the map once the watch has overtaken it (the map stays bounded).
  const applied = new Map<string, number>();
  let snapshotDone = false;
  const applyNewer = (entry: MirroredEntry, from: 'watch' | 'snapshot') => {
    if ((applied.get(entry.key) ?? -1) >= entry.revision) return;
    if (from === 'watch' && snapshotDone) applied.delete(entry.key);
    else applied.set(entry.key, entry.revision);
    apply(entry);
  };

  const watcher = await kv.watch({ include: 'updates' });
  void (async () => {
    for await (const entry of watcher) applyNewer(entry, 'watch');
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
  return () => watcher.stop();
}
