import { describe, expect, it } from '@jest/globals';
import { ordinalFromHostname, parseShardSpec, selectShards, shardRange } from './shard-plan.js';

describe('shardRange', () => {
  it('covers every shard exactly once with contiguous blocks, for 1..8 replicas and 1..64 shards', () => {
    for (let replicas = 1; replicas <= 8; replicas++) {
      for (let shardCount = 1; shardCount <= 64; shardCount++) {
        const blocks = Array.from({ length: replicas }, (_, index) => shardRange(index, replicas, shardCount));
        expect(blocks.flat()).toEqual(Array.from({ length: shardCount }, (_, id) => id));
        for (const block of blocks) {
          block.forEach((id, offset) => expect(id).toBe(block[0]! + offset));
        }
        const sizes = blocks.map((block) => block.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }
    }
  });

  it('splits 16 shards over 3 replicas as 6, 5, 5', () => {
    expect(shardRange(0, 3, 16)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(shardRange(1, 3, 16)).toEqual([6, 7, 8, 9, 10]);
    expect(shardRange(2, 3, 16)).toEqual([11, 12, 13, 14, 15]);
  });

  it('gives replicas beyond the shard count nothing', () => {
    expect(shardRange(2, 3, 2)).toEqual([]);
  });

  it('rejects impossible inputs', () => {
    expect(() => shardRange(3, 3, 16)).toThrow(/replicaIndex 3 is out of range/);
    expect(() => shardRange(0, 0, 16)).toThrow(/replicas must be a whole number >= 1/);
    expect(() => shardRange(0, 1, 1.5)).toThrow(/shardCount/);
  });
});

describe('parseShardSpec', () => {
  it('reads ranges, lists and both', () => {
    expect(parseShardSpec('0-15')).toEqual(Array.from({ length: 16 }, (_, id) => id));
    expect(parseShardSpec('0,2,4')).toEqual([0, 2, 4]);
    expect(parseShardSpec(' 8-9, 0-1 ,1')).toEqual([0, 1, 8, 9]);
  });

  it('names the bad part', () => {
    expect(() => parseShardSpec('0-x')).toThrow(/"0-x" in "0-x" is neither a shard id nor a range/);
    expect(() => parseShardSpec('5-2')).toThrow(/ends before it starts/);
    expect(() => parseShardSpec('1,,2')).toThrow(/not a shard list/);
    expect(() => parseShardSpec('-1')).toThrow(/neither a shard id nor a range/);
  });
});

describe('selectShards', () => {
  it('uses the explicit list, checked against the shard count', () => {
    expect(selectShards({ shards: [1, 3] }, 4)).toEqual([1, 3]);
    expect(() => selectShards({ shards: [1, 4] }, 4)).toThrow(/names shard 4 but there are only 4 shards/);
  });

  it('derives the block from the replica index or the StatefulSet ordinal', () => {
    expect(selectShards({ replicas: 4, replicaIndex: 1 }, 16)).toEqual([4, 5, 6, 7]);
    expect(selectShards({ replicas: 4, hostname: 'steward-gateway-3' }, 16)).toEqual([12, 13, 14, 15]);
    expect(() => selectShards({ replicas: 4, hostname: 'laptop' }, 16)).toThrow(/set GATEWAY_REPLICA_INDEX/);
    expect(() => selectShards({ replicas: 2, replicaIndex: 2 }, 16)).toThrow(/not below GATEWAY_REPLICAS=2/);
  });

  it('runs every shard when nothing says otherwise', () => {
    expect(selectShards({ hostname: 'steward-gateway-3' }, 3)).toEqual([0, 1, 2]);
  });

  it('reads the ordinal at the end of a hostname only', () => {
    expect(ordinalFromHostname('steward-gateway-12')).toBe(12);
    expect(ordinalFromHostname('gateway7')).toBeUndefined();
    expect(ordinalFromHostname(undefined)).toBeUndefined();
  });
});
