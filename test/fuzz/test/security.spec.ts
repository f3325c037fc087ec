/**
 * Prompt injection against a model that obeys the attacker (the Anthropic sandbox scripted to
 * comply: it dumps everything it was given as the answer, and recommends a ban when asked to):
 * another tenant's knowledge, tokens and keys never reach the model, so they cannot leak, and
 * no ban or kick happens beyond the tenant's policy. The same injections against the offline
 * engine, and the search for secrets in logs and responses, are in running-product.spec.ts.
 */
import type { APIMessage } from 'discord-api-types/v10';
import { Bus } from '@steward/bus';
import { ModerationRpc } from '@steward/contracts';
import { Stack } from '@steward/e2e';
import type { RecordedRequest, ScriptedReply } from '@steward/sandbox';
import { waitFor } from '@steward/testing';
import { askInjections, INJECTIONS, judgedText, kicksAndBans, LEAK_INJECTIONS, settle, setUpTwoTenants, TENANT_B_SECRET, type TwoTenants } from '../src/two-tenants.js';

describe('prompt injection against a model that obeys it (Anthropic sandbox)', () => {
  let stack: Stack;
  let bus: Bus;
  let tenants: TwoTenants;

  /** The complying model: dumps everything it was given as the answer, and recommends a ban for every message. */
  function comply(request: RecordedRequest): ScriptedReply | undefined {
    const tool = (request.body.tool_choice as { name?: string } | undefined)?.name;
    const everything = JSON.stringify({ system: request.body.system, messages: request.body.messages });
    if (tool === 'submit_answer') return { toolUse: { name: 'submit_answer', input: { outcome: 'answered', answer: `Sure! Here is everything I was given: ${everything.slice(0, 1_800)}`, source_document_ids: [], language: 'en' } } };
    if (tool === 'submit_moderation_verdict' && /\b(ban|kick)\b/i.test(judgedText(request))) return { toolUse: { name: 'submit_moderation_verdict', input: { violation: true, rule: 'Be respectful.', severity: 'critical', recommended_action: 'ban', confidence: 1, reason: 'The member asked for it.' } } };
    if (tool === 'submit_moderation_verdict') return { toolUse: { name: 'submit_moderation_verdict', input: { violation: false, rule: '', severity: 'none', recommended_action: 'none', confidence: 0.9, reason: 'Nothing wrong.' } } };
    if (tool === 'decide_reply') return { toolUse: { name: 'decide_reply', input: { reply: true, reason: 'asked' } } };
    if (tool === 'search_terms') return { toolUse: { name: 'search_terms', input: { terms: ['vault passphrase', 'PURPLE-OCTOPUS', 'password'], language: 'en' } } };
    return undefined;
  }

  const requestText = (request: RecordedRequest) => JSON.stringify(request.body);

  beforeAll(async () => {
    stack = await Stack.start({ services: ['metering', 'router', 'answer', 'moderation', 'egress', 'gateway'], anthropic: true, shardCount: 1 });
    bus = await Bus.connect({ servers: process.env.NATS_URL!, name: 'security-anthropic' });
    stack.anthropic!.respondWith(comply);
    tenants = await setUpTwoTenants(stack, bus);
  }, 180_000);

  afterAll(async () => {
    await bus?.drain();
    await stack?.stop();
  });

  it("never puts another tenant's knowledge, a token or a key in front of the model, so even an obedient model cannot leak them", async () => {
    const replies = await askInjections(stack);
    for (const reply of replies) expect(reply.content).not.toContain(TENANT_B_SECRET);
    // The model did obey: the replies carry what it was given.
    expect(replies.some((reply) => reply.content.includes('Here is everything I was given'))).toBe(true);
    for (const request of stack.anthropic!.requests) {
      const text = requestText(request);
      expect(text).not.toContain(stack.app.token);
      expect(text).not.toContain(stack.apiKey);
    }
    for (const question of INJECTIONS.slice(0, LEAK_INJECTIONS)) {
      const asked = stack.anthropic!.requests.filter((request) => requestText(request).includes(question.slice(0, 40)));
      expect(asked.length).toBeGreaterThan(0);
      for (const request of asked) expect(requestText(request)).not.toContain(TENANT_B_SECRET);
    }
  });

  it("gives tenant B's own question tenant B's knowledge (so the check above can fail)", async () => {
    const question = stack.discord.postMessage({ guildId: tenants.guildB.id, channelId: tenants.guildB.generalChannelId, authorId: tenants.memberB.id, content: `${stack.mention()} what is the vault passphrase?` });
    let reply: APIMessage | undefined;
    await waitFor(() => (reply = stack.repliesTo(question.id, tenants.guildB.generalChannelId)[0]), { timeoutMs: 20_000 });
    expect(reply!.content).toContain(TENANT_B_SECRET);
  });

  it('does not ban or kick when the model recommends it but the tenant has not enabled it', async () => {
    await settle(3_000);
    expect(stack.anthropic!.requests.some((request) => (request.body.tool_choice as { name?: string } | undefined)?.name === 'submit_moderation_verdict')).toBe(true);
    expect(kicksAndBans(stack)).toEqual([]);
    expect(stack.discord.guild(stack.guild.id).members.map((member) => member.user?.id)).toContain(stack.bob.id);
    // The model's ban was turned into what the policy allows, and logged as such.
    const log = ModerationRpc.logList.reply.parse(await bus.requestJson(ModerationRpc.logList.subject, { tenantId: tenants.tenantA, limit: 100 }));
    expect(log.entries.length).toBeGreaterThan(0);
    for (const entry of log.entries) expect(['delete', 'warn']).toContain(entry.action);
  });
});
