import type { APIMessage } from 'discord-api-types/v10';
import { waitFor } from '@steward/testing';
import { Stack } from '../src/stack.js';
import { subscribeTenant } from '../src/subscription.js';

const QUESTIONS = 16;
const INTERVAL_MS = 150;
/** Gives a redelivered question time to be (wrongly) answered a second time before asserting. */
const settle = (ms = 2_000) => new Promise((resolve) => setTimeout(resolve, ms));

describe('graceful shutdown: SIGTERM to a worker during a stream of questions loses nothing and repeats nothing', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await Stack.start({ services: ['metering', 'egress', 'answer', 'router', 'gateway'] });
    await subscribeTenant(stack.tenantId);
  }, 120_000);

  afterAll(() => stack?.stop());

  it('answers every question exactly once across a SIGTERM and restart of the answer service', async () => {
    const answer = stack.service('answer');
    const firstPid = answer.pid;
    const members = [stack.alice, stack.bob];
    const questions: APIMessage[] = [];
    let exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;

    for (let i = 0; i < QUESTIONS; i++) {
      questions.push(
        stack.say(
          members[i % members.length]!,
          `${stack.mention()} question ${i + 1}: how do I reset my password?`,
        ),
      );
      // Midway, once answers are flowing (the first question takes the cold path through every
      // service), the pod is told to stop while later questions keep coming.
      if (i === QUESTIONS / 2) {
        await waitFor(() => questions.some((question) => stack.repliesTo(question.id).length > 0), {
          timeoutMs: 15_000,
          message: 'a first reply before the stop',
        });
        exit = answer.exited;
        answer.kill('SIGTERM');
      }
      await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS));
    }

    expect(await exit).toEqual({ code: 0, signal: null });
    // The stop came mid-stream (after a first answer): the questions after it wait for the restart.
    const answeredBeforeRestart = questions.filter(
      (question) => stack.repliesTo(question.id).length > 0,
    ).length;
    expect(answeredBeforeRestart).toBeLessThan(QUESTIONS);
    const messages = answer.logs().map((line) => line.json?.msg);
    expect(messages).toContain('stopping: finishing in-flight work');
    expect(messages).toContain('consumer stopped');
    expect(messages).toContain('stopped');

    await answer.restart();
    expect(answer.pid).not.toBe(firstPid);

    await waitFor(() => questions.every((question) => stack.repliesTo(question.id).length > 0), {
      timeoutMs: 30_000,
      message: 'a reply to every question',
    });
    await settle();
    const replyCounts = questions.map((question) => stack.repliesTo(question.id).length);
    expect(replyCounts).toEqual(questions.map(() => 1));
  }, 90_000);
});
