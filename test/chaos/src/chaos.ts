/**
 * A chaos run: the product under steady member traffic with moderation on, while its processes
 * are killed with SIGKILL one after another and NATS and Postgres are restarted. What counts is
 * what a member and a tenant would notice afterwards: every question answered exactly once,
 * every violation acted on, every operation counted exactly once, and the gateway resuming its
 * sessions instead of identifying again.
 */
import type { APIMessage } from 'discord-api-types/v10';
import { Bus } from '@steward/bus';
import { Buckets, guildConfig, MeteringRpc, ModerationRpc, Rpc } from '@steward/contracts';
import { Stack, type Member } from '@steward/e2e';
import { waitFor } from '@steward/testing';
import { RestartableInfra, sleep } from './infra.js';

/** A service of the stack that the run kills with SIGKILL and starts again. */
export type KillableService = 'gateway' | 'router' | 'answer' | 'moderation' | 'egress' | 'metering';
export type Fault = { kind: 'kill'; service: KillableService } | { kind: 'restart-nats' } | { kind: 'restart-postgres' };

export interface ChaosOptions {
  /** Member questions (mentions of the bot) sent over the run. */
  questions: number;
  /** Messages breaking the moderation rule (an invite link), sent between the questions. */
  violations: number;
  /** Time over which the messages are sent; the faults are spread over it. */
  seconds: number;
  faults: Fault[];
  /** Guilds besides the main one; questions rotate over all of them. */
  extraGuilds?: number;
  /** How long a killed process or a stopped server stays down. */
  downMs?: number;
  /** How long to wait for the last answers and actions after the last message. */
  settleMs?: number;
  log?: (line: string) => void;
}

export interface ChaosReport {
  questions: number;
  answered: number;
  duplicateAnswers: number;
  unanswered: string[];
  violations: number;
  deleted: number;
  moderationLogDeletes: number;
  /** Member messages other than violations that moderation removed (must be 0). */
  wronglyDeleted: number;
  usage: { used: number; answer: number; moderation: number };
  expectedUsage: { used: number; answer: number; moderation: number };
  gateway: { identifiesAtStart: number; identifies: number; resumes: number };
  faults: Array<{ fault: string; atSeconds: number; recoveredInMs: number }>;
  sendSeconds: number;
  totalSeconds: number;
}

const RULES = 'No invite links to other Discord servers.';
const KNOWLEDGE = [
  { title: 'Password reset', content: 'Open Settings, then Security, and choose "Reset password". We email a reset link valid for 30 minutes.' },
  { title: 'Refunds', content: 'You can get a refund within 14 days of purchase from the Orders page. The money returns within 5 business days.' },
];
/** Moderation's ack wait (60 s) and a margin: the longest a counted check can arrive late. */
const USAGE_SETTLE_MS = 75_000;
const QUESTIONS = ['how do I reset my password?', 'can I get my money back?', 'where do I find the reset link?', 'how long is the refund window?'];

export function describeFault(fault: Fault): string {
  return fault.kind === 'kill' ? `kill -9 ${fault.service}` : fault.kind;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? ((line: string) => process.stdout.write(`[chaos] ${line}\n`));
  const downMs = options.downMs ?? 1_000;
  const infra = await RestartableInfra.start();
  const saved = { NATS_URL: process.env.NATS_URL, DATABASE_URL: process.env.DATABASE_URL };
  process.env.NATS_URL = infra.natsUrl;
  process.env.DATABASE_URL = infra.databaseUrl;
  let stack: Stack | undefined;
  let bus: Bus | undefined;
  try {
    log(`NATS ${infra.natsUrl}, Postgres ${infra.databaseUrl}; starting the services`);
    stack = await Stack.start({
      // Metering first (the others reserve through it), the gateway last (every consumer bound).
      services: ['metering', 'router', 'answer', 'moderation', 'egress', 'gateway'],
      shardCount: 2,
      extraGuilds: options.extraGuilds ?? 3,
      channelsPerGuild: 2,
    });
    bus = await Bus.connect({ servers: infra.natsUrl, name: 'chaos-run' });
    await prepareTenant(stack, bus);
    log(`stack ready: ${stack.services.size} services, ${stack.guilds.length} guilds`);
    return await drive(stack, bus, infra, options, downMs, log);
  } finally {
    await bus?.drain().catch(() => undefined);
    await stack?.stop();
    await infra.stop();
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

/** The local tenant on Pro, its knowledge indexed, moderation on in every guild (delete only). */
async function prepareTenant(stack: Stack, bus: Bus): Promise<void> {
  await bus.requestJson(MeteringRpc.subscriptionSet.subject, { tenantId: stack.tenantId, plan: 'pro' }, { timeoutMs: 10_000 });
  for (const document of KNOWLEDGE) {
    const added = Rpc.knowledgeAdd.reply.parse(await bus.requestJson(Rpc.knowledgeAdd.subject, { tenantId: stack.tenantId, ...document }, { timeoutMs: 10_000 }));
    await waitFor(
      async () => Rpc.knowledgeGet.reply.parse(await bus.requestJson(Rpc.knowledgeGet.subject, { tenantId: stack.tenantId, id: added.id })).status === 'indexed',
      { timeoutMs: 20_000, message: `document "${document.title}" to be indexed` },
    );
  }
  for (const { guild } of stack.guilds) {
    const config = guildConfig.parse({
      guildId: guild.id,
      tenantId: stack.tenantId,
      applicationId: stack.app.id,
      plan: 'pro',
      settings: { moderation: { enabled: true, rules: RULES, actions: { delete: true } } },
    });
    await bus.putJson(Buckets.configGuilds.name, guild.id, config);
  }
  // One question through the whole path, so every consumer and connection is warm and the
  // guild configurations have reached every service.
  const warm = stack.say(stack.alice, `${stack.mention()} ${QUESTIONS[0]} (warm-up)`);
  await stack.replyTo(warm.id, 30_000);
}

interface Target {
  guildId: string;
  channelId: string;
  members: Member[];
}

async function drive(stack: Stack, bus: Bus, infra: RestartableInfra, options: ChaosOptions, downMs: number, log: (line: string) => void): Promise<ChaosReport> {
  const targets: Target[] = stack.guilds.flatMap(({ guild, channelIds, members }) => channelIds.map((channelId) => ({ guildId: guild.id, channelId, members })));
  const replies = new Map<string, number>();
  const deletedIds = new Set<string>();
  const questionIds = new Set<string>();
  const violationIds = new Set<string>();
  const memberMessageIds = new Set<string>();
  const onMessage = ({ type, message }: { type: string; message: APIMessage }) => {
    if (type === 'delete') deletedIds.add(message.id);
    if (type !== 'create' || message.author.id !== stack.app.botUserId) return;
    const questionId = message.message_reference?.message_id;
    if (questionId && questionIds.has(questionId)) replies.set(questionId, (replies.get(questionId) ?? 0) + 1);
  };
  stack.discord.on('message', onMessage);

  const usageBefore = await usage(bus, stack.tenantId);
  const identifiesAtStart = stack.discord.counters(stack.app.id).identifies;
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;

  // The faults, one after another, spread evenly over the sending time.
  const faultLog: ChaosReport['faults'] = [];
  const faultRun = (async () => {
    for (const [i, fault] of options.faults.entries()) {
      const dueMs = ((i + 0.5) / options.faults.length) * options.seconds * 1000;
      const wait = dueMs - (performance.now() - started);
      if (wait > 0) await sleep(wait);
      const at = elapsed();
      const t0 = performance.now();
      await inject(stack, infra, fault, downMs);
      faultLog.push({ fault: describeFault(fault), atSeconds: Math.round(at * 10) / 10, recoveredInMs: Math.round(performance.now() - t0) });
      log(`${describeFault(fault)} at ${at.toFixed(1)} s, back in ${Math.round(performance.now() - t0)} ms`);
    }
  })();

  // Questions and violations interleaved at a steady rate; the sandbox keeps accepting
  // messages whatever happens to Steward.
  const total = options.questions + options.violations;
  const violationEvery = options.violations > 0 ? total / options.violations : Infinity;
  let violationsSent = 0;
  for (let n = 0; n < total; n++) {
    const wait = (n * options.seconds * 1000) / total - (performance.now() - started);
    if (wait > 1) await sleep(wait);
    const target = targets[n % targets.length]!;
    const author = target.members[n % target.members.length]!;
    const isViolation = violationsSent < options.violations && n + 1 >= (violationsSent + 1) * violationEvery;
    const content = isViolation ? `come hang out in my server discord.gg/raid${n}` : `${stack.mention()} ${QUESTIONS[n % QUESTIONS.length]} (#${n})`;
    const message = stack.discord.postMessage({ guildId: target.guildId, channelId: target.channelId, authorId: author.id, content });
    memberMessageIds.add(message.id);
    if (isViolation) {
      violationsSent++;
      violationIds.add(message.id);
    } else questionIds.add(message.id);
    if (n > 0 && n % Math.max(1, Math.round(total / 10)) === 0) log(`${n}/${total} messages sent, ${replies.size} answered, ${[...violationIds].filter((id) => deletedIds.has(id)).length} violations removed`);
  }
  const sendSeconds = elapsed();
  await faultRun;
  log(`all ${total} messages sent in ${sendSeconds.toFixed(1)} s; waiting for the last answers`);

  const everythingDone = () => replies.size === questionIds.size && [...violationIds].every((id) => deletedIds.has(id));
  await waitFor(everythingDone, { timeoutMs: options.settleMs ?? 120_000, intervalMs: 250 }).catch(() => undefined);
  // Late duplicates (a redelivery after a crash) would show up shortly after.
  await sleep(3_000);
  stack.discord.off('message', onMessage);

  const usageAfter = await waitForUsage(bus, stack.tenantId, usageBefore, options.questions + total);
  const counters = stack.discord.counters(stack.app.id);
  const deleteLog = await moderationDeletes(bus, stack.tenantId);
  const answeredIds = [...questionIds].filter((id) => replies.has(id));
  return {
    questions: questionIds.size,
    answered: answeredIds.length,
    duplicateAnswers: [...replies.values()].filter((count) => count > 1).reduce((sum, count) => sum + count - 1, 0),
    unanswered: [...questionIds].filter((id) => !replies.has(id)).slice(0, 20),
    violations: violationIds.size,
    deleted: [...violationIds].filter((id) => deletedIds.has(id)).length,
    moderationLogDeletes: deleteLog.filter((id) => violationIds.has(id)).length,
    wronglyDeleted: [...memberMessageIds].filter((id) => !violationIds.has(id) && deletedIds.has(id)).length,
    usage: {
      used: usageAfter.used - usageBefore.used,
      answer: (usageAfter.byKind.answer ?? 0) - (usageBefore.byKind.answer ?? 0),
      moderation: (usageAfter.byKind.moderation ?? 0) - (usageBefore.byKind.moderation ?? 0),
    },
    // Every member message is one moderation check; every question one answer.
    expectedUsage: { used: options.questions + total, answer: options.questions, moderation: total },
    gateway: { identifiesAtStart, identifies: counters.identifies, resumes: counters.resumes },
    faults: faultLog,
    sendSeconds: Math.round(sendSeconds * 10) / 10,
    totalSeconds: Math.round(elapsed() * 10) / 10,
  };
}

async function inject(stack: Stack, infra: RestartableInfra, fault: Fault, downMs: number): Promise<void> {
  if (fault.kind === 'restart-nats') return infra.restartNats(downMs);
  if (fault.kind === 'restart-postgres') return infra.restartPostgres(downMs);
  const service = stack.service(fault.service);
  service.kill('SIGKILL');
  await service.exited;
  await sleep(downMs);
  await service.restart();
  if (fault.service === 'gateway') await stack.gatewayConnected(60_000);
}

type Usage = { used: number; byKind: Record<string, number> };

async function usage(bus: Bus, tenantId: string): Promise<Usage> {
  const reply = MeteringRpc.usage.reply.parse(await bus.requestJson(MeteringRpc.usage.subject, { tenantId }, { timeoutMs: 10_000 }));
  return { used: reply.used, byKind: reply.byKind };
}

/**
 * Usage reaches the expected count once the last reservation is in. A check whose negative
 * acknowledgement was lost while NATS was down comes back only after its consumer's ack wait
 * (a minute for moderation), so wait that long before calling a unit missing.
 */
async function waitForUsage(bus: Bus, tenantId: string, before: Usage, expected: number, timeoutMs = USAGE_SETTLE_MS): Promise<Usage> {
  const deadline = performance.now() + timeoutMs;
  let last = await usage(bus, tenantId);
  while (last.used - before.used < expected && performance.now() < deadline) {
    await sleep(1_000);
    last = await usage(bus, tenantId);
  }
  return last;
}

/** The message ids of every `delete` in the moderation log (all pages). */
async function moderationDeletes(bus: Bus, tenantId: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = ModerationRpc.logList.reply.parse(
      await bus.requestJson(ModerationRpc.logList.subject, { tenantId, action: 'delete', limit: 100, ...(cursor ? { cursor } : {}) }, { timeoutMs: 10_000 }),
    );
    for (const entry of page.entries) ids.push(entry.messageId);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return ids;
}

/** The report as `name: value` lines, and the checks that failed (empty when the run passed). */
export function judge(report: ChaosReport): { lines: string[]; failures: string[] } {
  const failures: string[] = [];
  const check = (ok: boolean, what: string) => void (ok || failures.push(what));
  check(report.answered === report.questions, `answers delivered ${report.answered} ≠ questions asked ${report.questions} (unanswered: ${report.unanswered.join(', ')})`);
  check(report.duplicateAnswers === 0, `${report.duplicateAnswers} duplicate answers`);
  check(report.deleted === report.violations, `violations removed ${report.deleted} ≠ violations sent ${report.violations}`);
  check(report.moderationLogDeletes === report.violations, `moderation log deletes ${report.moderationLogDeletes} ≠ violations ${report.violations}`);
  check(report.wronglyDeleted === 0, `${report.wronglyDeleted} innocent messages removed`);
  check(report.usage.answer === report.expectedUsage.answer, `answer units ${report.usage.answer} ≠ answers ${report.expectedUsage.answer}`);
  check(report.usage.moderation === report.expectedUsage.moderation, `moderation units ${report.usage.moderation} ≠ checks ${report.expectedUsage.moderation}`);
  check(report.usage.used === report.expectedUsage.used, `quota units ${report.usage.used} ≠ operations ${report.expectedUsage.used}`);
  const gatewayKilled = report.faults.some((fault) => fault.fault === 'kill -9 gateway');
  if (gatewayKilled) check(report.gateway.resumes > 0, 'the gateway never RESUMEd');
  check(report.gateway.identifies === report.gateway.identifiesAtStart, `the gateway IDENTIFYed again ${report.gateway.identifies - report.gateway.identifiesAtStart} times instead of resuming`);
  const lines = [
    `questions asked            ${report.questions}`,
    `answers delivered          ${report.answered}`,
    `duplicate answers          ${report.duplicateAnswers}`,
    `violations sent            ${report.violations}`,
    `violations removed         ${report.deleted} (moderation log: ${report.moderationLogDeletes}; innocent removed: ${report.wronglyDeleted})`,
    `quota units (answer)       ${report.usage.answer} (expected ${report.expectedUsage.answer})`,
    `quota units (moderation)   ${report.usage.moderation} (expected ${report.expectedUsage.moderation})`,
    `quota units (total)        ${report.usage.used} (expected ${report.expectedUsage.used})`,
    `gateway identifies/resumes ${report.gateway.identifies} (at start ${report.gateway.identifiesAtStart}) / ${report.gateway.resumes}`,
    `faults                     ${report.faults.map((f) => `${f.fault} @${f.atSeconds}s (+${f.recoveredInMs} ms)`).join('; ')}`,
    `sending / total time       ${report.sendSeconds} s / ${report.totalSeconds} s`,
  ];
  return { lines, failures };
}
