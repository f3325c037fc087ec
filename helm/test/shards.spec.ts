// The gateway StatefulSet splits the shards across its pods: each pod learns the shard count,
// the replica count and its own index (pod-index label, or the ordinal in its hostname) from the
// rendered environment, and the gateway's own shard selection turns that into its block. For
// 1..8 replicas and 1..64 shards every shard must be run by exactly one pod.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { selectShards } from '../../services/gateway/src/sharding/shard-plan.js';
import { chartWithoutNatsDependency, productionValues, renderChart, type KubernetesObject } from './chart.js';

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string } };
}

let chart: Awaited<ReturnType<typeof chartWithoutNatsDependency>>;
let gateway: KubernetesObject;

beforeAll(async () => {
  chart = await chartWithoutNatsDependency();
  const objects = await renderChart(chart.dir, ['-f', productionValues]);
  gateway = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'steward-gateway')!;
}, 60_000);

afterAll(() => chart?.dispose());

/**
 * The environment Kubernetes gives pod `ordinal` of the rendered StatefulSet, had it been
 * rendered with `replicas` and `shardCount`: literal values are the chart's (with the two
 * numbers substituted), field references resolve to the pod's own label.
 */
function podEnvironment(
  env: EnvVar[],
  replicas: number,
  shardCount: number,
  ordinal: number,
  withPodIndexLabel: boolean,
) {
  const resolved: Record<string, string | undefined> = { HOSTNAME: `steward-gateway-${ordinal}` };
  for (const variable of env) {
    if (variable.name === 'GATEWAY_REPLICAS') resolved[variable.name] = String(replicas);
    else if (variable.name === 'GATEWAY_SHARD_COUNT') resolved[variable.name] = String(shardCount);
    else if (variable.valueFrom?.fieldRef?.fieldPath === "metadata.labels['apps.kubernetes.io/pod-index']") {
      // Kubernetes 1.28+ labels StatefulSet pods with their index; older clusters leave it empty.
      resolved[variable.name] = withPodIndexLabel ? String(ordinal) : '';
    } else resolved[variable.name] = variable.value;
  }
  return resolved;
}

/** What the gateway runs, from its environment (as its configuration reads it). */
function shardsOf(env: Record<string, string | undefined>): number[] {
  const index = env.GATEWAY_REPLICA_INDEX ? Number(env.GATEWAY_REPLICA_INDEX) : undefined;
  return selectShards(
    { replicas: Number(env.GATEWAY_REPLICAS), replicaIndex: index, hostname: env.HOSTNAME },
    Number(env.GATEWAY_SHARD_COUNT),
  );
}

describe('gateway StatefulSet shard assignment', () => {
  it('hands each pod the shard count, the replica count and its own index', () => {
    expect(gateway.spec.replicas).toBe(4);
    // Ordinals start at 0: the shard split assumes indexes 0..replicas-1.
    expect(gateway.spec.ordinals).toBeUndefined();
    const env: EnvVar[] = gateway.spec.template.spec.containers[0].env;
    expect(env).toContainEqual({ name: 'GATEWAY_SHARD_COUNT', value: '32' });
    expect(env).toContainEqual({ name: 'GATEWAY_REPLICAS', value: String(gateway.spec.replicas) });
    expect(env).toContainEqual({
      name: 'GATEWAY_REPLICA_INDEX',
      valueFrom: { fieldRef: { fieldPath: "metadata.labels['apps.kubernetes.io/pod-index']" } },
    });
    expect(env.some((variable) => variable.name === 'GATEWAY_SHARDS')).toBe(false);
  });

  it('covers every shard exactly once for 1..8 replicas and 1..64 shards, with or without the pod-index label', () => {
    const env: EnvVar[] = gateway.spec.template.spec.containers[0].env;
    const problems: string[] = [];
    let layouts = 0;
    for (const withPodIndexLabel of [true, false]) {
      for (let replicas = 1; replicas <= 8; replicas++) {
        // The chart refuses more replicas than shards (tested with the invalid values).
        for (let shardCount = replicas; shardCount <= 64; shardCount++) {
          const layout = `${replicas} replicas, ${shardCount} shards${withPodIndexLabel ? '' : ' (hostname ordinals)'}`;
          const runs = new Array<number>(shardCount).fill(0);
          for (let ordinal = 0; ordinal < replicas; ordinal++) {
            const shards = shardsOf(podEnvironment(env, replicas, shardCount, ordinal, withPodIndexLabel));
            if (shards.length === 0) problems.push(`${layout}: pod ${ordinal} runs no shard`);
            if (shards.some((shard, offset) => shard !== shards[0]! + offset))
              problems.push(`${layout}: pod ${ordinal} runs a split block ${shards}`);
            for (const shard of shards) runs[shard]!++;
          }
          runs.forEach((count, shard) => {
            if (count !== 1) problems.push(`${layout}: shard ${shard} runs on ${count} pods`);
          });
          layouts++;
        }
      }
    }
    expect(problems).toEqual([]);
    expect(layouts).toBe(2 * (64 + 63 + 62 + 61 + 60 + 59 + 58 + 57));
  });
});
