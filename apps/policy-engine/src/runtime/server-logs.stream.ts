// Writes a server's log: the tail as one JSON answer, or, with follow, an SSE stream of `log` events (one per line)
// with heartbeats, ended when the client goes away or the workload's log ends.
import type { Readable } from 'node:stream';
import type { ServerResponse } from 'node:http';

/** The part of Fastify's reply a log answer uses (Fastify itself stays behind the kit). */
export interface LogReply {
  raw: ServerResponse;
  status(code: number): { send(body: unknown): unknown };
  hijack(): void;
}

const HEARTBEAT_MS = 15_000;

function splitLines(buf: string): { lines: string[]; rest: string } {
  const parts = buf.split('\n');
  const rest = parts.pop() ?? '';
  return { lines: parts.map((l) => l.replace(/\r$/, '')), rest };
}

const STAMPED = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d{1,9})?(Z|[+-]\d\d:\d\d) (.*)$/;

/** An RFC 3339 time with up to nanoseconds, as engines stamp log lines, in nanoseconds; undefined if it is not one. */
export function logTimestampNs(ts: string): bigint | undefined {
  const m = STAMPED.exec(`${ts} `);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '.').slice(1).padEnd(9, '0'));
}

export async function streamLogs(
  reply: LogReply,
  serverId: string,
  logs: { backend: string | null; instanceRef: string | null; stream: Readable },
  follow: boolean,
  since?: string,
): Promise<void> {
  if (!follow) {
    const chunks: Buffer[] = [];
    for await (const c of logs.stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
    const text = Buffer.concat(chunks).toString('utf8');
    const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
    if (lines[lines.length - 1] === '') lines.pop();
    reply
      .status(200)
      .send({ server_id: serverId, backend: logs.backend, instance_ref: logs.instanceRef, lines });
    return;
  }
  const raw = reply.raw;
  reply.hijack();
  raw.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  raw.write(': log stream\n\n');
  let seq = 0;
  let rest = '';
  const heartbeat = setInterval(() => raw.write(': heartbeat\n\n'), HEARTBEAT_MS);
  const finish = () => {
    clearInterval(heartbeat);
    logs.stream.destroy();
    if (!raw.writableEnded) raw.end();
  };
  raw.on('close', finish);
  // Stamped lines carry their time as the event id, so a client that reconnects with Last-Event-ID resumes after
  // it; a line the engine did not stamp gets a sequence number.
  const resumeAfter = since === undefined ? undefined : logTimestampNs(since);
  const send = (stamped: string) => {
    const m = STAMPED.exec(stamped);
    let id: string;
    let line = stamped;
    if (m) {
      id = `${m[1]}${m[2] ?? ''}${m[3]}`;
      line = m[4];
      const ns = logTimestampNs(id);
      if (resumeAfter !== undefined && ns !== undefined && ns <= resumeAfter) return;
    } else {
      id = String(++seq);
    }
    raw.write(`id: ${id}\nevent: log\ndata: ${JSON.stringify({ server_id: serverId, line })}\n\n`);
  };
  logs.stream.on('data', (chunk: Buffer | string) => {
    const split = splitLines(rest + chunk.toString());
    rest = split.rest;
    for (const line of split.lines) send(line);
  });
  logs.stream.on('end', () => {
    if (rest) send(rest);
    raw.write(`event: end\ndata: {}\n\n`);
    finish();
  });
  logs.stream.on('error', finish);
}
