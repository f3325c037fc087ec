// helm lint and helm template of the chart, for the default values and a production-like
// values file, and every rendered object checked against the Kubernetes (and KEDA, Prometheus
// operator) schemas. Each values file is rendered once for the whole file.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import {
  chartDir,
  chartWithoutNatsDependency,
  helm,
  productionValues,
  renderChart,
  type HelmResult,
  type KubernetesObject,
} from './chart.js';
import { schemaViolations } from './kubernetes-schemas.js';

const workers = {
  router: 'DISCORD_EVT',
  answer: 'STEWARD',
  egress: 'DISCORD_CMD',
  moderation: 'DISCORD_EVT',
} as const;
const durableConsumers = {
  router: 'router',
  answer: 'answer',
  egress: 'egress',
  moderation: 'moderation-message-create',
} as const;
const defaultServices = [
  'interactions',
  'router',
  'answer',
  'egress',
  'moderation',
  'admin-api',
  'metering',
  'scheduler',
  'takeover',
];

let chart: Awaited<ReturnType<typeof chartWithoutNatsDependency>>;
let defaults: KubernetesObject[];
let production: KubernetesObject[];
let lint: { defaults: HelmResult; production: HelmResult; declared: HelmResult };

beforeAll(async () => {
  chart = await chartWithoutNatsDependency();
  [defaults, production, lint] = await Promise.all([
    renderChart(chart.dir),
    renderChart(chart.dir, ['-f', productionValues]),
    Promise.all([
      helm(['lint', '--strict', chart.dir]),
      helm(['lint', '--strict', chart.dir, '-f', productionValues]),
      helm(['lint', chartDir]),
    ]).then(([defaultsLint, productionLint, declared]) => ({
      defaults: defaultsLint,
      production: productionLint,
      declared,
    })),
  ]);
}, 60_000);

afterAll(() => chart?.dispose());

const named = (objects: KubernetesObject[], kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name);
const ofKind = (objects: KubernetesObject[], kind: string) => objects.filter((o) => o.kind === kind);
const podTemplates = (objects: KubernetesObject[]) =>
  objects
    .filter((o) => ['Deployment', 'StatefulSet', 'Job'].includes(o.kind))
    .map((o) => ({ owner: `${o.kind}/${o.metadata.name}`, pod: o.spec.template.spec }));

describe('helm lint', () => {
  it('passes in strict mode with the default and the production values', () => {
    expect(lint.defaults.stderr + lint.defaults.stdout).toContain('0 chart(s) failed');
    expect(lint.defaults.code).toBe(0);
    expect(lint.production.code).toBe(0);
    expect(lint.production.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
    expect(lint.defaults.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
  });

  it('declares the official NATS chart as an optional dependency, off by default', async () => {
    const declared = parse(await readFile(path.join(chartDir, 'Chart.yaml'), 'utf8'));
    expect(declared.dependencies).toEqual([
      expect.objectContaining({
        name: 'nats',
        repository: 'https://nats-io.github.io/k8s/helm/charts/',
        condition: 'nats.enabled',
      }),
    ]);
    const values = parse(await readFile(path.join(chartDir, 'values.yaml'), 'utf8'));
    expect(values.nats.enabled).toBe(false);
    // Linting the chart as declared only notes the dependency `helm dependency build` fetches.
    expect(lint.declared.code).toBe(0);
    expect(lint.declared.stdout.match(/\[(WARNING|ERROR)\].*/g)).toEqual([
      expect.stringContaining('missing these dependencies: nats'),
    ]);
  });
});

describe.each([
  ['default values', () => defaults],
  ['production values', () => production],
])('helm template with the %s', (_label, objects) => {
  it('renders only objects that are valid against the Kubernetes, KEDA and Prometheus operator schemas', () => {
    expect(objects().length).toBeGreaterThan(30);
    expect(schemaViolations(objects())).toEqual([]);
  });

  it('gives every service a ServiceAccount, a Service, a PodDisruptionBudget and a NetworkPolicy', () => {
    for (const service of [...defaultServices, 'gateway']) {
      for (const kind of ['ServiceAccount', 'Service', 'PodDisruptionBudget', 'NetworkPolicy']) {
        expect([service, kind, named(objects(), kind, `steward-${service}`) !== undefined]).toEqual([
          service,
          kind,
          true,
        ]);
      }
    }
    for (const service of defaultServices)
      expect(named(objects(), 'Deployment', `steward-${service}`)).toBeDefined();
    expect(named(objects(), 'StatefulSet', 'steward-gateway')).toBeDefined();
  });

  it('runs every container as non-root on a read-only root filesystem with no capabilities, with requests, limits and probes', () => {
    for (const { owner, pod } of podTemplates(objects())) {
      expect([owner, pod.securityContext.runAsNonRoot]).toEqual([owner, true]);
      expect([owner, pod.automountServiceAccountToken]).toEqual([owner, false]);
      expect(pod.volumes).toContainEqual(
        expect.objectContaining({ name: 'tmp', emptyDir: expect.anything() }),
      );
      for (const container of pod.containers) {
        expect([owner, container.securityContext]).toEqual([
          owner,
          expect.objectContaining({
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            capabilities: { drop: ['ALL'] },
          }),
        ]);
        expect(Object.keys(container.resources.requests)).toEqual(expect.arrayContaining(['cpu', 'memory']));
        expect(Object.keys(container.resources.limits)).toEqual(expect.arrayContaining(['cpu', 'memory']));
        if (owner.startsWith('Job/')) continue;
        expect([owner, container.livenessProbe.httpGet]).toEqual([owner, { path: '/healthz', port: 'ops' }]);
        expect([owner, container.readinessProbe.httpGet]).toEqual([owner, { path: '/readyz', port: 'ops' }]);
        expect(container.ports).toContainEqual({ name: 'ops', containerPort: 9090, protocol: 'TCP' });
      }
    }
  });

  it('starts each service from its compiled entry point with the shared configuration', () => {
    const config = named(objects(), 'ConfigMap', 'steward-config')!;
    expect(config.data).toEqual(
      expect.objectContaining({
        NODE_ENV: 'production',
        OPS_PORT: '9090',
        NATS_URL: expect.stringMatching(/^nats:\/\//),
        // The ingress controller runs in the cluster, on a private address.
        TRUST_PROXY: 'uniquelocal',
      }),
    );
    for (const service of defaultServices) {
      const container = named(objects(), 'Deployment', `steward-${service}`)!.spec.template.spec
        .containers[0];
      expect(container.args).toEqual(['node', `services/${service}/src/main.js`]);
      expect(container.envFrom).toEqual([{ configMapRef: { name: 'steward-config' } }]);
    }
  });

  it('migrates every schema in a pre-install/pre-upgrade hook Job before the pods roll', () => {
    const job = named(objects(), 'Job', 'steward-migrations')!;
    expect(job.metadata.annotations).toEqual(
      expect.objectContaining({ 'helm.sh/hook': 'pre-install,pre-upgrade' }),
    );
    const container = job.spec.template.spec.containers[0];
    expect(container.args).toEqual(['node', 'deploy/docker/src/migrate-all.js']);
    expect(container.env).toContainEqual(
      expect.objectContaining({
        name: 'DATABASE_URL',
        valueFrom: { secretKeyRef: expect.objectContaining({ key: 'DATABASE_URL' }) },
      }),
    );
  });
});

describe('default values', () => {
  it('scales the workers with CPU HorizontalPodAutoscalers and keeps the chart-managed Secret', () => {
    expect(ofKind(defaults, 'ScaledObject')).toEqual([]);
    for (const worker of Object.keys(workers))
      expect(named(defaults, 'HorizontalPodAutoscaler', `steward-${worker}`)).toBeDefined();
    expect(named(defaults, 'Deployment', 'steward-router')!.spec.replicas).toBeUndefined();
    expect(named(defaults, 'Secret', 'steward-secrets')).toBeDefined();
    expect(ofKind(defaults, 'Ingress')).toEqual([]);
    expect(ofKind(defaults, 'ServiceMonitor')).toEqual([]);
  });
});

describe('production values', () => {
  it('scales every worker with KEDA on its JetStream durable consumer lag, and no CPU HPA beside it', () => {
    for (const [worker, stream] of Object.entries(workers)) {
      const scaledObject = named(production, 'ScaledObject', `steward-${worker}`)!;
      expect(scaledObject.spec.scaleTargetRef).toEqual({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: `steward-${worker}`,
      });
      expect(scaledObject.spec.triggers).toEqual([
        {
          type: 'nats-jetstream',
          metadata: expect.objectContaining({
            natsServerMonitoringEndpoint: 'nats.nats.svc:8222',
            account: '$G',
            stream,
            consumer: durableConsumers[worker as keyof typeof durableConsumers],
            lagThreshold: expect.stringMatching(/^\d+$/),
          }),
        },
      ]);
      expect(named(production, 'HorizontalPodAutoscaler', `steward-${worker}`)).toBeUndefined();
    }
    expect(named(production, 'ScaledObject', 'steward-answer')!.spec.maxReplicaCount).toBe(20);
  });

  it('scales interactions on its gateway-interaction consumer and takeover on each of its five consumers', () => {
    const triggers = (service: string) =>
      named(production, 'ScaledObject', `steward-${service}`)!.spec.triggers.map(
        (trigger: { type: string; metadata: { stream: string; consumer: string } }) =>
          `${trigger.type} ${trigger.metadata.stream}/${trigger.metadata.consumer}`,
      );
    expect(triggers('interactions')).toEqual(['nats-jetstream DISCORD_EVT/interactions']);
    expect(triggers('takeover')).toEqual([
      'nats-jetstream STEWARD/takeover-turns',
      'nats-jetstream STEWARD/takeover-escalations',
      'nats-jetstream STEWARD/takeover-feedback',
      'nats-jetstream STEWARD/takeover-egress-results',
      'nats-jetstream DISCORD_EVT/takeover-messages',
    ]);
    // The scheduler runs on a tick: nothing to scale on.
    expect(named(production, 'ScaledObject', 'steward-scheduler')).toBeUndefined();
  });

  it('reads every secret from the existing Secret and creates none', () => {
    expect(ofKind(production, 'Secret')).toEqual([]);
    const env = named(production, 'Deployment', 'steward-answer')!.spec.template.spec.containers[0].env;
    for (const key of [
      'DISCORD_BOT_TOKEN',
      'ANTHROPIC_API_KEY',
      'STEWARD_MASTER_KEY',
      'STEWARD_MASTER_KEY_PREVIOUS',
      'DATABASE_URL',
      'SMTP_URL',
    ]) {
      expect(env).toContainEqual({
        name: key,
        valueFrom: { secretKeyRef: { name: 'steward-secrets', key, optional: true } },
      });
    }
    const job = named(production, 'Job', 'steward-migrations')!;
    expect(job.spec.template.spec.containers[0].env).toContainEqual(
      expect.objectContaining({
        valueFrom: {
          secretKeyRef: expect.objectContaining({ name: 'steward-secrets', key: 'DATABASE_URL' }),
        },
      }),
    );
  });

  it('routes the admin UI and API and the Discord interactions endpoint through TLS ingresses', () => {
    const admin = named(production, 'Ingress', 'steward-admin')!;
    expect(admin.spec.tls).toEqual([{ secretName: 'steward-tls', hosts: ['steward.example.com'] }]);
    expect(admin.spec.rules[0].host).toBe('steward.example.com');
    expect(
      admin.spec.rules[0].http.paths.map((p: { path: string; backend: { service: { name: string } } }) => [
        p.path,
        p.backend.service.name,
      ]),
    ).toEqual([
      ['/api', 'steward-admin-api'],
      ['/', 'steward-admin-api'],
    ]);
    const interactions = named(production, 'Ingress', 'steward-interactions')!;
    expect(interactions.spec.tls).toEqual([
      { secretName: 'steward-interactions-tls', hosts: ['discord.steward.example.com'] },
    ]);
    expect(interactions.spec.rules[0].http.paths).toEqual([
      {
        path: '/discord/webhook/',
        pathType: 'Prefix',
        backend: { service: { name: 'steward-interactions', port: { name: 'http' } } },
      },
    ]);
  });

  it('lets Prometheus scrape every service through a ServiceMonitor that matches its Service', () => {
    for (const service of [...defaultServices, 'gateway']) {
      const monitor = named(production, 'ServiceMonitor', `steward-${service}`)!;
      expect(monitor.metadata.labels).toEqual(expect.objectContaining({ release: 'kube-prometheus-stack' }));
      expect(monitor.spec.endpoints).toEqual([expect.objectContaining({ port: 'ops', path: '/metrics' })]);
      const kubeService = named(production, 'Service', `steward-${service}`)!;
      expect(kubeService.metadata.labels).toEqual(expect.objectContaining(monitor.spec.selector.matchLabels));
      expect(kubeService.spec.ports).toContainEqual(expect.objectContaining({ name: 'ops' }));
    }
  });

  it('limits egress to DNS and the configured peers', () => {
    const policy = named(production, 'NetworkPolicy', 'steward-egress')!;
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec.egress[0].ports).toEqual([
      { port: 53, protocol: 'UDP' },
      { port: 53, protocol: 'TCP' },
    ]);
    expect(policy.spec.egress).toHaveLength(4);
  });
});

describe('invalid values', () => {
  it('are refused with a message naming the value', async () => {
    const [unknownKey, tooManyGateways, badNatsUrl] = await Promise.all([
      helm(['template', 'steward', chart.dir, '--set', 'router.replica=3']),
      helm([
        'template',
        'steward',
        chart.dir,
        '--set',
        'gateway.replicas=5',
        '--set',
        'gateway.shardCount=4',
      ]),
      helm(['template', 'steward', chart.dir, '--set', 'nats.url=localhost:4222']),
    ]);
    expect(unknownKey.code).not.toBe(0);
    expect(unknownKey.stderr).toContain("at '/router': additional properties 'replica' not allowed");
    expect(tooManyGateways.code).not.toBe(0);
    expect(tooManyGateways.stderr).toContain('gateway.replicas (5) must not exceed gateway.shardCount (4)');
    expect(badNatsUrl.code).not.toBe(0);
    expect(badNatsUrl.stderr).toContain("at '/nats/url'");
  });
});
