// One client process of the SSE benchmark: holds N streams, records the end-to-end latency of every event (the
// payload carries its send time) and which sequence numbers each stream saw, and reconnects all streams with
// Last-Event-ID on request.
import http from 'node:http';

interface Stream {
  lastId?: string;
  seqs: number[];
  req?: http.ClientRequest;
  buffer: string;
}

const base = new URL(process.env.GATEWAY_URL ?? '');
const token = process.env.TOKEN ?? '';
const count = Number(process.env.STREAMS ?? 100);
const path = process.env.STREAM_PATH ?? '/api/trust/stream';
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
const streams: Stream[] = [];
let latencies: number[] = [];
let open = 0;

function connect(s: Stream): Promise<void> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (s.lastId) headers['last-event-id'] = s.lastId;
    const req = http.request({ host: base.hostname, port: base.port, path, headers, agent });
    s.req = req;
    req.on('error', () => resolve());
    req.on('response', (res) => {
      if (res.statusCode === 200) open += 1;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        s.buffer += chunk;
        let at: number;
        while ((at = s.buffer.indexOf('\n\n')) >= 0) {
          const block = s.buffer.slice(0, at);
          s.buffer = s.buffer.slice(at + 2);
          let data: string | undefined;
          for (const line of block.split('\n')) {
            if (line.startsWith('id: ')) s.lastId = line.slice(4);
            else if (line.startsWith('data: ')) data = line.slice(6);
          }
          if (data !== undefined) {
            const p = JSON.parse(data) as { seq?: number; sent_at?: number };
            if (typeof p.sent_at === 'number') latencies.push(Date.now() - p.sent_at);
            if (typeof p.seq === 'number') s.seqs.push(p.seq);
          }
        }
      });
      res.on('close', () => {
        open -= res.statusCode === 200 ? 1 : 0;
      });
      resolve();
    });
    req.end();
  });
}

// At most this many connects in flight per process: a burst beyond the server's accept backlog (511 by default) loses
// SYNs, and the kernel's 1 s, 3 s, 7 s retransmissions would be measured as reconnect time.
async function connectAll(batch = Number(process.env.CONNECT_BATCH ?? 100)) {
  for (let i = 0; i < streams.length; i += batch) {
    await Promise.all(streams.slice(i, i + batch).map(connect));
    if (process.env.BENCH_DEBUG)
      process.stderr.write(`[worker ${process.pid}] ${i + batch} requested, ${open} open\n`);
  }
}

process.on('message', (msg: { ask: string }) => {
  void (async () => {
    switch (msg.ask) {
      case 'open': {
        for (let i = 0; i < count; i++) streams.push({ seqs: [], buffer: '' });
        await connectAll();
        process.send?.({ done: 'open', open });
        break;
      }
      case 'reset': {
        latencies = [];
        for (const s of streams) s.seqs = [];
        process.send?.({ done: 'reset' });
        break;
      }
      case 'latencies': {
        process.send?.({ done: 'latencies', latencies });
        break;
      }
      case 'drop': {
        // Every stream drops its connection at once.
        for (const s of streams) {
          s.req?.destroy();
          s.buffer = '';
        }
        await new Promise((r) => setTimeout(r, 500));
        process.send?.({ done: 'drop', open });
        break;
      }
      case 'reconnect': {
        // ... and comes back with the id of the last event it saw.
        await connectAll();
        process.send?.({ done: 'reconnect', open });
        break;
      }
      case 'seqs': {
        process.send?.({ done: 'seqs', seqs: streams.map((s) => s.seqs) });
        break;
      }
      case 'stop': {
        for (const s of streams) s.req?.destroy();
        process.exit(0);
        break;
      }
      default:
        break;
    }
  })();
});
process.send?.({ ready: true });
