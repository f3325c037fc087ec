import {
  Agent,
  createServer,
  request,
  type IncomingMessage,
  type RequestListener,
  type Server,
} from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { drainConnectionsOnShutdown } from './connection-drain.js';

/** A server on an ephemeral port with the drain attached, as services start theirs. */
async function serve(handler: RequestListener) {
  const server: Server = createServer(handler);
  const connections = drainConnectionsOnShutdown(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const accepted = new Promise<void>((resolve) => server.once('connection', () => resolve()));
  return { server, port, accepted, shutdown: connections.close, drain: connections.drain };
}

/** A keep-alive client, as browsers and fetch are: it would hold its connection for a minute. */
const keepAliveAgent = () => new Agent({ keepAlive: true, keepAliveMsecs: 60_000 });

function get(port: number, agent: Agent): Promise<{ response: IncomingMessage; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/', agent }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ response, body }));
      response.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

const closed = (socket: Socket) => new Promise<void>((resolve) => socket.once('close', () => resolve()));

describe('draining HTTP connections at shutdown', () => {
  const agents: Agent[] = [];
  afterEach(() => agents.splice(0).forEach((agent) => agent.destroy()));
  const agent = () => {
    const created = keepAliveAgent();
    agents.push(created);
    return created;
  };

  it('closes a connection that has not sent a request, so the server can stop', async () => {
    const { port, accepted, shutdown } = await serve((_request, response) => response.end('ok'));
    const client = connect(port, '127.0.0.1');
    const clientClosed = closed(client);
    await accepted;

    await shutdown();
    await clientClosed;
  });

  it('answers a request in progress in full, says so, and then closes its connection', async () => {
    let answer!: () => void;
    let handlerEntered!: () => void;
    const inHandler = new Promise<void>((resolve) => (handlerEntered = resolve));
    const { port, shutdown } = await serve((_request, response) => {
      answer = () => response.end('the whole answer');
      handlerEntered();
    });

    const reply = get(port, agent());
    await inHandler;
    const stopped = shutdown();
    answer!();

    const { response, body } = await reply;
    expect(body).toBe('the whole answer');
    expect(response.headers.connection).toBe('close');
    await stopped;
  });

  it('ends a stream whose headers went out before the drain once its last bytes are written', async () => {
    let finish!: () => void;
    let started!: () => void;
    const streaming = new Promise<void>((resolve) => (started = resolve));
    const { port, shutdown } = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream', connection: 'keep-alive' });
      response.write('event: first\n\n');
      finish = () => response.end('event: last\n\n');
      started();
    });

    const reply = get(port, agent());
    await streaming;
    const stopped = shutdown();
    finish();

    const { body } = await reply;
    expect(body).toBe('event: first\n\nevent: last\n\n');
    await stopped;
  });

  it('still answers a request that arrives while the server drains, on a connection it then closes', async () => {
    const { server, port, drain } = await serve((_request, response) => response.end('late but answered'));
    drain();

    const { response, body } = await get(port, agent());
    expect(body).toBe('late but answered');
    expect(response.headers.connection).toBe('close');
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
