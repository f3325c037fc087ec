import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** How long a connection opened while the server drains may take to send its request. */
const LATE_CONNECTION_GRACE_MS = 1_000;

/**
 * Ends an HTTP server's keep-alive connections when it shuts down, so that `server.close()`
 * returns once the requests in progress are answered.
 *
 * Node closes only the connections that are idle when `server.close()` is called. A
 * connection whose response ends later stays open (the response still says keep-alive), and
 * one that has not sent a request yet (a browser's preconnect, a spare in a client's pool) is
 * not closed at all. Either holds the shutdown for as long as the client keeps it, which can
 * be longer than Kubernetes waits before it kills the pod.
 *
 * After `drain()`, a connection is closed as soon as it carries no request: at once if it is
 * idle, after its last response otherwise (a response not started yet says
 * `Connection: close`). A connection opened meanwhile gets a second to send its request. The
 * server itself is closed by its owner (Fastify, or the caller's `server.close()`).
 */
export function drainConnectionsOnShutdown(server: Server): {
  /** Starts ending connections; the server's owner closes it. */
  drain(): void;
  /** Closes the server and drains its connections; resolves once the last one is gone. */
  close(): Promise<void>;
} {
  const responsesInProgress = new Map<Socket, Set<ServerResponse>>();
  let draining = false;

  const sayClose = (response: ServerResponse) => {
    if (!response.headersSent) response.setHeader('connection', 'close');
  };
  // Flushes what is written, then closes, so a response ends whole.
  const closeIfIdle = (socket: Socket) => {
    if (draining && responsesInProgress.get(socket)?.size === 0) socket.end(() => socket.destroy());
  };

  server.on('connection', (socket: Socket) => {
    responsesInProgress.set(socket, new Set());
    socket.once('close', () => responsesInProgress.delete(socket));
    if (draining) setTimeout(() => closeIfIdle(socket), LATE_CONNECTION_GRACE_MS).unref();
  });

  // Ahead of the application's handler, which may answer before a later listener runs.
  server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket;
    const responses = responsesInProgress.get(socket);
    if (!responses) return;
    responses.add(response);
    if (draining) sayClose(response);
    response.once('close', () => {
      responses.delete(response);
      closeIfIdle(socket);
    });
  });

  const drain = () => {
    if (draining) return;
    draining = true;
    for (const [socket, responses] of responsesInProgress) {
      responses.forEach(sayClose);
      closeIfIdle(socket);
    }
  };
  return {
    drain,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        drain();
      }),
  };
}
