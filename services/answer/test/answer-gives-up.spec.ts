/**
 * A question whose every attempt fails: the member is not left with "thinking…" for ever.
 * The service's database refuses connections for as long as the deliveries last.
 */
import { AnswerOrigin, AnswerOutcome, create, InteractionTargetSchema } from '@steward/contracts';
import { AnswerHarness, APPLICATION_ID } from './harness.js';

const TENANT = 'tenant-gives-up';

describe('answer service: a question every attempt fails', () => {
  let harness: AnswerHarness;

  beforeAll(async () => {
    harness = await AnswerHarness.start();
    await harness.subscribe(TENANT, 'pro');
  }, 30_000);

  afterAll(async () => {
    await harness?.database.allowConnections();
    await harness?.stop();
  });

  it('completes a /ask with an apology in the member’s language after the last attempt, and records the turn as failed', async () => {
    await harness.database.refuseConnections();

    const request = await harness.ask(TENANT, 'Wie setze ich mein Passwort zurück?', {
      origin: AnswerOrigin.SLASH_COMMAND,
      messageId: '',
      locale: 'de',
      interaction: create(InteractionTargetSchema, {
        interactionId: '950000000000000077',
        token: 'failing-token',
      }),
    });

    // Five deliveries, 1 + 3 + 10 + 10 s apart.
    const turn = await harness.turnFor(request.requestId, 60_000);
    expect(turn.outcome).toBe(AnswerOutcome.FAILED);
    const replies = harness.commandsFor(request.requestId);
    expect(replies.map(({ subject }) => subject)).toEqual([`discord.cmd.${APPLICATION_ID}.edit-original`]);
    expect(replies[0]!.command.action).toMatchObject({
      case: 'editOriginalResponse',
      value: {
        token: 'failing-token',
        content: 'Entschuldige, das konnte ich gerade nicht beantworten. Versuch es gleich noch einmal.',
      },
    });
  }, 90_000);
});
