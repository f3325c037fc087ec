import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Bus, type ConsumerHandle } from '@steward/bus';
import {
  AnswerOrigin,
  AnswerOutcome,
  AnswerRequestedSchema,
  ConversationTurnSchema,
  decode,
  encode,
  MeteringRpc,
  Streams,
  Subjects,
  type ConversationTurn,
} from '@steward/contracts';
import { startService, type RunningService } from '@steward/runtime';
import { createTestDatabase, resetJetStream, waitFor, type TestDatabase } from '@steward/testing';
import { answerService } from '../../answer/src/service.js';
import { meteringService } from '../../metering/src/service.js';
import { AccountsService } from '../src/accounts/accounts.service.js';
import { tinyPdf } from './pdf-fixture.js';
import { call, inProcessServiceEnv, startAdminApi, type AdminApi } from './support.js';

const MARKDOWN = `# Refunds

You can get your money back within 30 days of purchase. Open Orders, pick the order and choose Request refund.
The refund reaches your card within five business days.

# Shipping

Parcels leave our warehouse every weekday at noon.
`;

/**
 * Knowledge in every format, through the API into the real answer service: uploaded files and
 * imported pages are indexed, found by the search preview, and used in answers. URL imports
 * never reach private addresses.
 */
describe('knowledge formats', () => {
  let database: TestDatabase;
  let answer: RunningService<unknown>;
  let metering: RunningService<unknown>;
  let api: AdminApi;
  let bus: Bus;
  let turnsConsumer: ConsumerHandle;
  const turns: ConversationTurn[] = [];
  let tenantId: string;
  let key: string;
  let otherKey: string;
  let site: Server;
  let siteUrl: string;
  const siteRequests: string[] = [];

  beforeAll(async () => {
    await resetJetStream();
    database = await createTestDatabase();
    const env = inProcessServiceEnv(database.url);
    metering = (await startService(meteringService, env)) as RunningService<unknown>;
    answer = (await startService(answerService, env)) as RunningService<unknown>;
    api = await startAdminApi(database.url);
    bus = await Bus.connect({ servers: process.env.NATS_URL!, name: 'knowledge-formats-test' });
    turnsConsumer = await bus.consume(
      { stream: Streams.facts.name, durable: 'test-turns', filterSubjects: [Subjects.conversationTurn] },
      async (message) => void turns.push(decode(ConversationTurnSchema, message.data)),
    );
    const accounts = api.app.get(AccountsService);
    tenantId = (await accounts.createTenant({ name: 'Acme', plan: 'pro' })).id;
    key = (await accounts.issueApiKey(tenantId, 'ci')).key;
    otherKey = (
      await accounts.issueApiKey((await accounts.createTenant({ name: 'Globex', plan: 'pro' })).id, 'ci')
    ).key;
    await bus.requestJson(
      MeteringRpc.subscriptionSet.subject,
      { tenantId, plan: 'pro' },
      { timeoutMs: 5_000 },
    );

    site = createServer((request, response) => {
      siteRequests.push(request.url ?? '');
      if (request.url === '/help/warranty.html')
        response
          .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
          .end(
            '<html><head><title>Warranty</title></head><body><h1>Warranty</h1><p>Every kettle has a two-year warranty against defects.</p></body></html>',
          );
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await turnsConsumer?.stop();
    await bus?.drain();
    await api?.stop();
    await answer?.stop();
    await metering?.stop();
    await database?.drop();
    site?.closeAllConnections();
    await new Promise((resolve) => site?.close(resolve));
  });

  function upload(filename: string, content: Buffer | string, type: string, title?: string, apiKey = key) {
    const form = new FormData();
    if (title) form.append('title', title);
    form.append('file', new Blob([content], { type }), filename);
    return postUpload(form, {}, apiKey);
  }

  /** A request body exactly as given, for uploads no well-behaved client would send. */
  function rawUpload(contentType: string, body: string) {
    return postUpload(body, { 'content-type': contentType });
  }

  function postUpload(
    body: FormData | string,
    headers: Record<string, string>,
    apiKey = key,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON body the tests probe with expect()
  ): Promise<{ status: number; body: any }> {
    return fetch(`${api.httpUrl}/api/v1/knowledge/documents/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, ...headers },
      body,
    }).then(async (response) => ({ status: response.status, body: await response.json() }));
  }

  async function indexed(id: string) {
    return waitFor(
      async () => {
        const document = (await call(api, `/api/v1/knowledge/documents/${id}`, { key })).body;
        if (document.status === 'failed') throw new Error(`indexing failed: ${document.error}`);
        return document.status === 'indexed' ? document : undefined;
      },
      { timeoutMs: 10_000, message: `document ${id} indexed` },
    );
  }

  async function ask(question: string): Promise<ConversationTurn> {
    const requestId = randomUUID();
    await bus.publish(
      Subjects.answerRequested,
      encode(AnswerRequestedSchema, {
        requestId,
        tenantId,
        applicationId: '900000000000000001',
        guildId: '910000000000000001',
        channelId: '920000000000000001',
        messageId: String(910000000000000000n + BigInt(turns.length + 1)),
        authorId: '930000000000000001',
        authorName: 'member',
        question,
        origin: AnswerOrigin.MENTION,
        conversationId: `910000000000000001:920000000000000001:${requestId}`,
        receivedAtMs: BigInt(Date.now()),
      }),
      { msgId: `answer-requested:${requestId}` },
    );
    return waitFor(() => turns.find((turn) => turn.turnId === requestId), { timeoutMs: 10_000 });
  }

  const search = async (q: string, apiKey = key) =>
    (await call(api, `/api/v1/knowledge/search?q=${encodeURIComponent(q)}`, { key: apiKey })).body;

  it('indexes an uploaded Markdown file; the search preview finds it and the bot answers from it', async () => {
    const created = await upload('refunds.md', MARKDOWN, 'text/markdown');
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.any(String), status: 'pending' });
    const document = await indexed(created.body.id);
    expect(document).toMatchObject({ title: 'refunds', language: 'en', progress: 1, chunkCount: 2 });

    const preview = await search('how do I get my money back?');
    expect(preview.passages[0]).toMatchObject({
      documentId: created.body.id,
      title: 'refunds',
      heading: 'Refunds',
      content: expect.stringContaining('money back within 30 days'),
      score: expect.any(Number),
    });
    // Another tenant's search sees nothing of it.
    expect((await search('how do I get my money back?', otherKey)).passages).toEqual([]);

    const turn = await ask('How long does a refund take to reach my card?');
    expect(turn.outcome).toBe(AnswerOutcome.ANSWERED);
    expect(turn.answer).toMatch(/five business days/);
    expect(turn.sources.map((source) => source.documentId)).toContain(created.body.id);
  });

  it('indexes an uploaded PDF by the text of its pages, titled from the form', async () => {
    const pdf = tinyPdf([
      ['Descaling the kettle'],
      ['Fill the kettle with one part vinegar and two parts water, boil, and rinse twice.'],
    ]);
    const created = await upload('kettle-manual.pdf', pdf, 'application/pdf', 'Kettle manual');
    expect(created.status).toBe(201);
    const document = await indexed(created.body.id);
    expect(document.title).toBe('Kettle manual');

    const preview = await search('descale kettle vinegar');
    expect(preview.passages[0]).toMatchObject({
      documentId: created.body.id,
      content: expect.stringContaining('one part vinegar'),
    });
    const turn = await ask('How do I descale the kettle with vinegar?');
    expect(turn.outcome).toBe(AnswerOutcome.ANSWERED);
    expect(turn.answer).toMatch(/vinegar/);
    expect(turn.sources.map((source) => source.documentId)).toContain(created.body.id);
  });

  it('reads HTML and plain text, and refuses other files clearly', async () => {
    const html = await upload(
      'page.html',
      '<h1>Opening hours</h1><p>The shop opens at nine.</p><script>x()</script>',
      'text/html',
    );
    expect(html.status).toBe(201);
    expect(await indexed(html.body.id)).toMatchObject({ title: 'page' });
    const text = await upload('notes.txt', 'Gift cards never expire.', 'text/plain');
    expect(text.status).toBe(201);

    const spreadsheet = await upload(
      'prices.xlsx',
      'PK\u0003\u0004',
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    expect(spreadsheet).toEqual({
      status: 415,
      body: {
        error: {
          code: 'unsupported_document',
          message: expect.stringMatching(/prices\.xlsx is not a format Steward reads/),
        },
      },
    });
    const fakePdf = await upload('fake.pdf', 'hello', 'application/pdf');
    expect(fakePdf.status).toBe(400);
    expect(fakePdf.body.error.code).toBe('unreadable_document');
    const noFile = await call(api, '/api/v1/knowledge/documents/upload', { key, body: { file: 'x' } });
    expect(noFile.status).toBe(415);
    expect(noFile.body.error.message).toMatch(/multipart\/form-data/);
  });

  it('answers a malformed multipart upload with a validation error, not a server error', async () => {
    const boundary = 'steward-test-boundary';
    const multipartType = `multipart/form-data; boundary=${boundary}`;
    const part = (headers: string[], content: string) =>
      [`--${boundary}`, ...headers, '', content].join('\r\n');
    const form = (...parts: string[]) => [...parts, `--${boundary}--`, ''].join('\r\n');
    const filePart = part(
      ['Content-Disposition: form-data; name="file"; filename="notes.txt"', 'Content-Type: text/plain'],
      'Gift cards never expire.',
    );
    const malformed: Array<[string, string, string]> = [
      ['no boundary', 'multipart/form-data', form(filePart)],
      // The body ends inside the file part: its closing boundary never arrives.
      ['truncated', multipartType, filePart],
      [
        'a field named __proto__',
        multipartType,
        form(part(['Content-Disposition: form-data; name="__proto__"'], 'polluted'), filePart),
      ],
    ];
    const answers = [];
    for (const [problem, contentType, body] of malformed)
      answers.push({ problem, ...(await rawUpload(contentType, body)) });
    expect(answers).toEqual(
      malformed.map(([problem]) => ({
        problem,
        status: 400,
        body: {
          error: {
            code: 'validation_failed',
            message: expect.stringMatching(/^file /),
            details: [{ field: 'file', message: expect.any(String) }],
          },
        },
      })),
    );
    // A client error the upload library gives its own status keeps that status.
    const badJsonField = await rawUpload(
      multipartType,
      form(
        part(['Content-Disposition: form-data; name="title"', 'Content-Type: application/json'], '{not json'),
        filePart,
      ),
    );
    expect(badJsonField.status).toBe(406);
    expect(badJsonField.body.error).toMatchObject({
      code: 'validation_failed',
      details: [{ field: 'file' }],
    });
  });

  it('refuses a PDF that opens but whose page cannot be read, as unreadable', async () => {
    const pdf = tinyPdf([['Descaling the kettle']]).toString('latin1');
    // Swap the page dictionary for `null`, padded to the same length so the cross-reference
    // offsets still hold: the document opens, and reading its page fails.
    const brokenPage = pdf.replace(/<< \/Type \/Page \/Parent[^\n]*>>/, (page) => 'null'.padEnd(page.length));
    expect(brokenPage).not.toBe(pdf);
    const refused = await upload('broken-page.pdf', Buffer.from(brokenPage, 'latin1'), 'application/pdf');
    expect(refused).toEqual({
      status: 400,
      body: {
        error: { code: 'unreadable_document', message: 'The PDF cannot be read: page 1 is damaged' },
      },
    });
  });

  it('refuses a file over the upload limit, and more text than the bus carries', async () => {
    const large = await upload('big.txt', 'a'.repeat(10 * 1024 * 1024 + 1), 'text/plain');
    expect(large.status).toBe(413);
    expect(large.body.error).toMatchObject({
      code: 'payload_too_large',
      message: expect.stringMatching(/larger than 10,240 KiB/),
    });
    // Under the file limit, but more text than one NATS message carries to the answer service.
    const tooMuchText = await upload('long.md', `# Long\n${'word '.repeat(300_000)}`, 'text/markdown');
    expect(tooMuchText.status).toBe(413);
    expect(tooMuchText.body.error).toMatchObject({
      code: 'document_too_large',
      message: expect.stringMatching(
        /^The document's text is 1\.4 MiB; this server stores documents of up to 1\.0 MiB of text/,
      ),
    });
    // Under the limit as characters, but not once its quotes are escaped for the message.
    const quoted = await upload('quotes.txt', '"'.repeat(700_000), 'text/plain');
    expect(quoted.status).toBe(413);
    expect(quoted.body.error).toMatchObject({
      code: 'document_too_large',
      message: expect.stringMatching(/^The document's text is 1\.3 MiB/),
    });
    // A JSON document just inside the 1 MiB request limit, with no room left for the message's envelope.
    const json = await call(api, '/api/v1/knowledge/documents', {
      key,
      method: 'POST',
      body: { title: 'Almost a mebibyte', content: 'a'.repeat(1024 * 1024 - 100) },
    });
    expect(json.status).toBe(413);
    expect(json.body.error).toMatchObject({ code: 'document_too_large' });
    // A title longer than a document may have is refused, as the JSON route refuses it, not cut.
    for (const title of ['t'.repeat(201), 't'.repeat(2_000)]) {
      const titled = await upload('guide.md', '# Guide\nRead me.', 'text/markdown', title);
      expect(titled.status).toBe(400);
      expect(titled.body.error.details).toEqual([
        { field: 'title', message: 'must be at most 200 characters' },
      ]);
    }
  });

  it('refuses URL imports that lead to private, loopback or link-local addresses, before connecting', async () => {
    const port = (site.address() as AddressInfo).port;
    const cases: Array<[string, RegExp]> = [
      [`http://127.0.0.1:${port}/help/warranty.html`, /^127\.0\.0\.1 is a loopback address/],
      [
        'http://169.254.169.254/latest/meta-data/',
        /^169\.254\.169\.254 is a link-local address \(cloud metadata lives there\)/,
      ],
      [`http://[::1]:${port}/`, /^::1 is a loopback address/],
      [
        `http://localhost:${port}/help/warranty.html`,
        /^The URL is not allowed: localhost resolves to a private or internal address, and Steward only imports from public addresses$/,
      ],
      ['http://10.0.0.5/', /^10\.0\.0\.5 is a private address/],
      ['http://0.0.0.0/', /^0\.0\.0\.0 is an unspecified address/],
      ['http://[fd12::1]/', /^fd12::1 is a unique-local address/],
      ['file:///etc/passwd', /^Only http:\/\/ and https:\/\/ URLs can be imported/],
    ];
    for (const [url, reason] of cases) {
      const refused = await call(api, '/api/v1/knowledge/documents/import', { key, body: { url } });
      expect({ url, status: refused.status, code: refused.body.error.code }).toEqual({
        url,
        status: 400,
        code: 'url_not_allowed',
      });
      expect(refused.body.error.message).toMatch(reason);
      expect(refused.body.error.details).toEqual([{ field: 'url', message: refused.body.error.message }]);
    }
    // Refusing a host name tells nothing of what it resolves to inside the network.
    const byName = await call(api, '/api/v1/knowledge/documents/import', {
      key,
      body: { url: `http://localhost:${port}/help/warranty.html` },
    });
    expect(JSON.stringify(byName.body)).not.toMatch(/127\.0\.0\.1|::1/);
    expect(siteRequests).toEqual([]);
  });

  it('imports a page from a host the operator allowed, with its title', async () => {
    // Only this instance exempts 127.0.0.1; the one above proves the check is on by default.
    const trusting = await startAdminApi(database.url, { STEWARD_URL_IMPORT_ALLOW_HOSTS: '127.0.0.1' });
    try {
      const imported = await call(trusting, '/api/v1/knowledge/documents/import', {
        key,
        body: { url: `${siteUrl}/help/warranty.html` },
      });
      expect(imported.status).toBe(201);
      expect(await indexed(imported.body.id)).toMatchObject({ title: 'Warranty' });
      expect((await search('kettle warranty')).passages[0]).toMatchObject({
        documentId: imported.body.id,
        content: expect.stringContaining('two-year warranty'),
      });
      const missing = await call(trusting, '/api/v1/knowledge/documents/import', {
        key,
        body: { url: `${siteUrl}/nope` },
      });
      expect(missing.status).toBe(400);
      expect(missing.body.error).toMatchObject({
        code: 'import_failed',
        message: expect.stringMatching(/answered HTTP 404$/),
      });
    } finally {
      await trusting.stop();
    }
  });

  it('re-indexes and deletes documents of the tenant only', async () => {
    const created = await upload(
      'delete-me.md',
      '# Loyalty points\nPoints expire after one year.',
      'text/markdown',
    );
    await indexed(created.body.id);
    const path = `/api/v1/knowledge/documents/${created.body.id}`;

    const asOther = await call(api, `${path}/reindex`, { key: otherKey, method: 'POST' });
    expect(asOther.status).toBe(404);
    expect((await call(api, path, { key: otherKey, method: 'DELETE' })).status).toBe(404);

    const reindexed = await call(api, `${path}/reindex`, { key, method: 'POST' });
    expect(reindexed.status).toBe(202);
    expect(reindexed.body).toEqual({ id: created.body.id, status: 'pending' });
    await indexed(created.body.id);

    expect((await search('loyalty points expire')).passages[0]?.documentId).toBe(created.body.id);
    expect((await call(api, path, { key, method: 'DELETE' })).status).toBe(204);
    expect((await call(api, path, { key })).status).toBe(404);
    expect(
      (await search('loyalty points expire')).passages.map((p: { documentId: string }) => p.documentId),
    ).not.toContain(created.body.id);
    expect((await call(api, path, { key, method: 'DELETE' })).status).toBe(404);
  });

  it('lists the questions the knowledge base did not cover', async () => {
    const turn = await ask('Do you sell spare parts for lawn mowers in Iceland?');
    expect(turn.outcome).toBe(AnswerOutcome.NO_ANSWER);
    const unanswered = await call(api, '/api/v1/knowledge/unanswered?limit=10', { key });
    expect(unanswered.status).toBe(200);
    expect(unanswered.body.questions[0]).toMatchObject({
      question: 'Do you sell spare parts for lawn mowers in Iceland?',
      language: 'en',
    });
    expect((await call(api, '/api/v1/knowledge/unanswered', { key: otherKey })).body).toEqual({
      questions: [],
    });
    const badLimit = await call(api, '/api/v1/knowledge/unanswered?limit=0', { key });
    expect(badLimit.status).toBe(400);
    expect(badLimit.body.error.details).toEqual([{ field: 'limit', message: 'must be at least 1' }]);
    const emptySearch = await call(api, '/api/v1/knowledge/search?q=', { key });
    expect(emptySearch.body.error.details).toEqual([{ field: 'q', message: 'must not be empty' }]);
  });
});
