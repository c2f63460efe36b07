// Answers that Node's HTTP parser and Fastify's router would otherwise write in their own formats (431, 414, 417,
// bad request, bad URL) get the API's error shape: `{ "error": { "code", "message" } }` with a JSON content type.
// Installed on every service's HTTP server by createServiceApp, the gateway's included.
import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';

/** Fastify's default `maxParamLength`: a longer path parameter is refused by its router with 414. */
const MAX_SEGMENT_LENGTH = 100;

export interface FrameworkError {
  status: number;
  code: string;
  message: string;
}

function errorBody(e: FrameworkError): string {
  return JSON.stringify({ error: { code: e.code, message: e.message } });
}

/** What a parser error on a connection is answered with. */
export function clientErrorAnswer(code: string | undefined): FrameworkError {
  switch (code ?? '') {
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: 431,
        code: 'HEADERS_TOO_LARGE',
        message: 'The request line and headers are larger than the server accepts.',
      };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'ERR_HTTP_HEADERS_TIMEOUT':
      return { status: 408, code: 'REQUEST_TIMEOUT', message: 'The request did not arrive in time.' };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 413, code: 'PAYLOAD_TOO_LARGE', message: 'The chunk extensions are too large.' };
    default:
      return { status: 400, code: 'BAD_REQUEST', message: 'The request is not valid HTTP.' };
  }
}

/**
 * What Fastify's router would refuse before any hook runs: a path that is not valid percent-encoding (400), or a
 * path segment longer than the router takes as a parameter (414). Undefined when the router will route it.
 */
export function badUrlAnswer(url: string): FrameworkError | undefined {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  try {
    decodeURIComponent(path);
  } catch {
    return { status: 400, code: 'INVALID_PATH', message: 'The path is not valid percent-encoding.' };
  }
  for (const segment of path.split('/')) {
    if (segment.length > MAX_SEGMENT_LENGTH) {
      return {
        status: 414,
        code: 'URI_TOO_LONG',
        message: `A path segment may be at most ${MAX_SEGMENT_LENGTH} characters long.`,
      };
    }
  }
  return undefined;
}

function answer(res: ServerResponse, e: FrameworkError): void {
  const body = errorBody(e);
  res.writeHead(e.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** Writes a whole response on a socket the parser gave up on, then closes it. */
function answerOnSocket(socket: Duplex, e: FrameworkError): void {
  const body = errorBody(e);
  socket.end(
    `HTTP/1.1 ${e.status} ${STATUS_CODES[e.status] ?? 'Error'}\r\n` +
      `content-type: application/json; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      `connection: close\r\n\r\n${body}`,
  );
}

/** Installs the parser's and the router's error answers on a service's HTTP server, in place of Fastify's. */
export function installFrameworkErrorAnswers(server: Server, logger: Logger): void {
  server.removeAllListeners('clientError');
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    // A response already under way on this connection cannot be followed by another one.
    const current = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;
    if (!socket.writable || current?.headersSent) {
      socket.destroy();
      return;
    }
    const e = clientErrorAnswer(err.code);
    logger.debug({ code: err.code, status: e.status }, 'client error answered');
    answerOnSocket(socket, e);
  });
  // Any `Expect` other than 100-continue: Node would answer 417 itself, in plain text.
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
    res.setHeader('connection', 'close');
    answer(res, {
      status: 417,
      code: 'EXPECTATION_FAILED',
      message: `The expectation ${JSON.stringify(String(req.headers.expect))} is not supported; only 100-continue is.`,
    });
  });
  const handlers = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const bad = badUrlAnswer(req.url ?? '/');
    if (bad) {
      req.resume();
      answer(res, bad);
      return;
    }
    for (const handler of handlers) handler.call(server, req, res);
  });
}
