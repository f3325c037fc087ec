import { OutboxDrain } from './mail-outbox.js';

/** An outbox of `due` e-mails whose sends finish when the test says so. */
function outbox(due: number) {
  const sent: number[] = [];
  const waiting: Array<() => void> = [];
  const sendBatch = async () => {
    if (sent.length >= due) return 0;
    await new Promise<void>((resolve) => waiting.push(resolve));
    sent.push(sent.length + 1);
    return 1;
  };
  /** Lets the send in progress finish, and gives the drain a moment to start the next. */
  const finishOne = async () => {
    waiting.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { sent, sendBatch, finishOne, inProgress: () => waiting.length };
}

describe('e-mail outbox drain', () => {
  it('sends the due e-mails one after another until none is left', async () => {
    const box = outbox(3);
    const drain = new OutboxDrain(box.sendBatch, (error) => {
      throw error;
    });
    drain.kick();
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      expect(box.inProgress()).toBe(1);
      await box.finishOne();
    }
    await drain.stop();
    expect(box.sent).toEqual([1, 2, 3]);
  });

  it('stops after the e-mail being sent, without working through the rest of a backlog', async () => {
    const box = outbox(50);
    const drain = new OutboxDrain(box.sendBatch, (error) => {
      throw error;
    });
    drain.kick();
    await new Promise((resolve) => setImmediate(resolve));
    const stopped = drain.stop();
    await box.finishOne();
    await stopped;
    expect(box.sent).toEqual([1]);
    expect(box.inProgress()).toBe(0);
  });
});
