import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError } from '../http/api-error.js';
import { addressProblem, fetchPublicDocument, type FetchLimits, type Resolver } from './url-fetcher.js';

describe('addressProblem', () => {
  it.each([
    ['127.0.0.1', /loopback/],
    ['10.1.2.3', /private/],
    ['172.16.0.1', /private/],
    ['192.168.1.1', /private/],
    ['169.254.169.254', /link-local/],
    ['0.0.0.0', /unspecified/],
    ['100.64.0.1', /carrier-grade NAT/],
    ['::1', /loopback/],
    ['::', /unspecified/],
    ['fe80::1', /link-local/],
    ['fd00::1', /unique-local/],
    ['::ffff:127.0.0.1', /loopback/],
    ['::ffff:169.254.169.254', /link-local/],
    ['64:ff9b::a00:1', /special-purpose/],
  ])('refuses %s', (address, problem) => {
    expect(addressProblem(address)).toMatch(problem);
  });

  it.each(['93.184.215.14', '1.1.1.1', '2606:4700:4700::1111'])(
    'accepts the public address %s',
    (address) => {
      expect(addressProblem(address)).toBeUndefined();
    },
  );
});

describe('fetchPublicDocument', () => {
  let server: Server;
  let port: number;
  let served = 0;

  beforeAll(async () => {
    server = createServer((request, response) => {
      served++;
      switch (request.url) {
        case '/doc':
          response.writeHead(200, { 'content-type': 'text/markdown' }).end('# Hello');
          break;
        case '/to-private':
          response.writeHead(302, { location: 'http://10.0.0.8/admin' }).end();
          break;
        case '/to-doc':
          response.writeHead(301, { location: '/doc' }).end();
          break;
        case '/loop':
          response.writeHead(302, { location: '/loop' }).end();
          break;
        case '/big':
          response.writeHead(200, { 'content-type': 'text/plain' });
          // No Content-Length: the limit has to hold while streaming.
          for (let i = 0; i < 64; i++) response.write('x'.repeat(1024));
          response.end();
          break;
        case '/slow':
          response.writeHead(200, { 'content-type': 'text/plain' });
          response.write('start');
          break;
        default:
          response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** docs.example.test resolves to the local server; only it is exempt from the check. */
  const resolver: Resolver = async (hostname) => {
    if (hostname === 'docs.example.test' || hostname === 'rebind.example.test')
      return [{ address: '127.0.0.1', family: 4 }];
    if (hostname === 'mixed.example.test')
      return [
        { address: '93.184.215.14', family: 4 },
        { address: '10.0.0.1', family: 4 },
      ];
    throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  };
  const limits = (overrides: Partial<FetchLimits> = {}): FetchLimits => ({
    maxBytes: 16 * 1024,
    timeoutMs: 2_000,
    allowHosts: ['docs.example.test'],
    resolver,
    ...overrides,
  });
  const refusal = async (url: string, options?: Partial<FetchLimits>) => {
    try {
      await fetchPublicDocument(url, limits(options));
    } catch (error) {
      expect(error).toBeInstanceOf(ApiError);
      return {
        status: (error as ApiError).status,
        code: (error as ApiError).code,
        message: (error as ApiError).message,
      };
    }
    throw new Error(`${url} was fetched`);
  };

  it('fetches from an allowed host, following redirects', async () => {
    const fetched = await fetchPublicDocument(`http://docs.example.test:${port}/to-doc`, limits());
    expect(fetched.bytes.toString()).toBe('# Hello');
    expect(fetched.mediaType).toBe('text/markdown');
    expect(fetched.url.pathname).toBe('/doc');
  });

  it('refuses a host that resolves to a private address, before connecting, and logs only there what it resolved to', async () => {
    const before = served;
    const logged: unknown[][] = [];
    const logger = { info: (...args: unknown[]) => void logged.push(args) };
    expect(await refusal(`http://rebind.example.test:${port}/doc`, { logger })).toEqual({
      status: 400,
      code: 'url_not_allowed',
      message:
        'The URL is not allowed: rebind.example.test resolves to a private or internal address, and Steward only imports from public addresses',
    });
    expect(logged).toEqual([
      [
        { host: 'rebind.example.test', address: '127.0.0.1', problem: 'a loopback address' },
        expect.any(String),
      ],
    ]);
    // One private address among public ones is enough to refuse.
    const mixed = await refusal('http://mixed.example.test/');
    expect(mixed.message).toMatch(/^The URL is not allowed: mixed\.example\.test resolves to a private/);
    expect(mixed.message).not.toMatch(/10\.0\.0\.1/);
    expect(served).toBe(before);
  });

  it('checks every redirect like the first URL', async () => {
    expect(await refusal(`http://docs.example.test:${port}/to-private`)).toMatchObject({
      code: 'url_not_allowed',
      message: expect.stringMatching(/^10\.0\.0\.8 is a private address/),
    });
    expect(await refusal(`http://docs.example.test:${port}/loop`)).toMatchObject({
      code: 'import_failed',
      message: expect.stringMatching(/redirected more than 5 times/),
    });
  });

  it('refuses other schemes, credentials, unknown hosts and error statuses', async () => {
    expect(await refusal('file:///etc/passwd')).toMatchObject({
      code: 'url_not_allowed',
      message: expect.stringMatching(/Only http/),
    });
    expect(await refusal('ftp://docs.example.test/x')).toMatchObject({ code: 'url_not_allowed' });
    expect(await refusal(`http://user:pw@docs.example.test:${port}/doc`)).toMatchObject({
      code: 'url_not_allowed',
    });
    expect(await refusal('http://nowhere.example.test/')).toMatchObject({
      code: 'import_failed',
      message: 'The host nowhere.example.test was not found',
    });
    expect(await refusal(`http://docs.example.test:${port}/missing`)).toMatchObject({
      code: 'import_failed',
      message: expect.stringMatching(/answered HTTP 404$/),
    });
  });

  it('stops at the size limit and the time limit', async () => {
    expect(await refusal(`http://docs.example.test:${port}/big`)).toMatchObject({
      status: 413,
      code: 'document_too_large',
    });
    expect(await refusal(`http://docs.example.test:${port}/slow`, { timeoutMs: 300 })).toMatchObject({
      code: 'import_failed',
      message: expect.stringMatching(/did not send the document within 0.3 s/),
    });
  });
});
