import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pino, type DestinationStream, type Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { prettyFactory } from 'pino-pretty';

export type { Logger };

/**
 * JSON lines, one per event, unless `pretty`: then coloured, readable lines for a person at a terminal.
 * server.ts asks for pretty output only when stdout is a terminal, so files, pipes and log collectors keep JSON.
 */
export function createLogger(level: string, destination?: DestinationStream, opts: { pretty?: boolean } = {}): Logger {
  return pino({ level }, opts.pretty ? prettyOutput(destination ?? pino.destination(1)) : destination);
}

/**
 * Each line formatted and written at once (pino's stdout destination is synchronous), so a line logged just before
 * process.exit ("stopped") is still printed: pino-pretty's own stream formats later, and its transport would add
 * a worker thread for what is a few lines a second at a terminal.
 */
function prettyOutput(out: DestinationStream): DestinationStream {
  const prettify = prettyFactory({ translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
  return { write: (line: string) => void out.write(prettify(line)) };
}

/**
 * One log line per request with a request id. The serializers keep only method, path and status:
 * never headers (cookies carry session ids), bodies (passwords) or query strings (search terms are private).
 * `quietPaths` answered below 400 are not logged: a load balancer asks for its health check every few seconds.
 */
export function requestLogger(logger: Logger, opts: { quietPaths?: string[] } = {}) {
  const quiet = new Set(opts.quietPaths);
  return pinoHttp({
    logger,
    genReqId: (_req, res) => {
      const id = randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    serializers: {
      req: (req: IncomingMessage & { id?: string }) => ({ id: req.id, method: req.method, path: req.url?.split('?')[0] }),
      res: (res: ServerResponse) => ({ status: res.statusCode }),
    },
    customLogLevel: (req, res, err) => {
      if (err || res.statusCode >= 500) return 'error';
      return res.statusCode < 400 && quiet.has(req.url?.split('?')[0] ?? '') ? 'silent' : 'info';
    },
  });
}
