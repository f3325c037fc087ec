import { waitFor } from '@steward/testing';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../src/otlp-receiver.js';
import { Stack } from '../src/stack.js';
import { subscribeTenant } from '../src/subscription.js';

const REST_SEND = 'discord.rest POST /channels/{id}/messages';
/** Generous: this test is about the shape of the trace, not about latency (the answer-path test times that). */
const PATIENCE_MS = 30_000;

/** The span and its ancestors up to the root, nearest first; undefined while a link is missing. */
function ancestry(span: ReceivedSpan, all: ReceivedSpan[]): ReceivedSpan[] | undefined {
  const byId = new Map(all.filter((s) => s.traceId === span.traceId).map((s) => [s.spanId, s]));
  const chain = [span];
  let current = span;
  while (current.parentSpanId) {
    const parent = byId.get(current.parentSpanId);
    if (!parent) return undefined;
    chain.push(parent);
    current = parent;
  }
  return chain;
}

describe('tracing: one OpenTelemetry trace per question, from the gateway to the Discord REST call', () => {
  let receiver: OtlpReceiver;
  let stack: Stack;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    stack = await Stack.start({
      services: ['metering', 'egress', 'answer', 'router', 'gateway'],
      extraEnv: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '50' },
    });
    await subscribeTenant(stack.tenantId);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await receiver?.close();
  });

  it('exports every hop of a mention to the collector, in one trace with its parent links intact', async () => {
    const question = stack.say(stack.alice, `${stack.mention()} how do I reset my password?`);
    await stack.replyTo(question.id, PATIENCE_MS);

    const decision = await receiver.waitForSpan(
      (s) => s.name === 'router decide' && s.attributes['discord.message.id'] === question.id,
      PATIENCE_MS,
      'the router decision span of the question',
    );
    const traceId = decision.traceId;

    let chain: ReceivedSpan[] | undefined;
    await waitFor(
      () => {
        const spans = receiver.spans();
        const send = spans.find((s) => s.traceId === traceId && s.name === REST_SEND);
        chain = send && ancestry(send, spans);
        return chain !== undefined;
      },
      { timeoutMs: PATIENCE_MS, message: `the REST call and all its ancestors in trace ${traceId}` },
    );

    // Root first: what the question went through, service by service.
    const path = chain!.reverse();
    expect(path[0]).toMatchObject({
      service: 'steward-gateway',
      name: 'gateway receive MESSAGE_CREATE',
      parentSpanId: '',
    });
    expect(path.at(-1)).toMatchObject({ service: 'steward-egress', name: REST_SEND });
    expect(path.at(-1)!.attributes['http.response.status_code']).toBe(200);

    const hops = path.map((s) => s.service).filter((service, i, all) => service !== all[i - 1]);
    expect(hops).toEqual(['steward-gateway', 'steward-router', 'steward-answer', 'steward-egress']);
    const names = path.map((s) => s.name);
    for (const expected of ['router decide', 'answer generate', 'egress send'])
      expect(names).toContain(expected);
    // Every hop across NATS is a publish followed by a process span in the receiving service.
    expect(names.filter((n) => n.startsWith('publish '))).toHaveLength(3);
    expect(names.filter((n) => n.startsWith('process '))).toHaveLength(3);
  });

  it('keeps separate questions in separate traces', async () => {
    const first = stack.say(stack.alice, `${stack.mention()} can I get my money back?`);
    const second = stack.say(stack.bob, `${stack.mention()} where is my invoice?`);
    await Promise.all([stack.replyTo(first.id, PATIENCE_MS), stack.replyTo(second.id, PATIENCE_MS)]);
    const decisions = await Promise.all(
      [first, second].map((message) =>
        receiver.waitForSpan(
          (s) => s.name === 'router decide' && s.attributes['discord.message.id'] === message.id,
          PATIENCE_MS,
          'the router decision span of each question',
        ),
      ),
    );
    expect(decisions[0]!.traceId).not.toBe(decisions[1]!.traceId);
    for (const decision of decisions) {
      await receiver.waitForSpan(
        (s) => s.traceId === decision.traceId && s.name === REST_SEND,
        PATIENCE_MS,
        'the REST call of each question',
      );
    }
  });
});
