// A TCP proxy that understands Kafka framing just enough to swallow chosen responses, simulating a lost ack.
import * as net from 'node:net';

function frames(onFrame: (frame: Buffer) => void): (chunk: Buffer) => void {
  let pending = Buffer.alloc(0);
  return (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
      const size = pending.readInt32BE(0);
      onFrame(pending.subarray(0, 4 + size));
      pending = pending.subarray(4 + size);
    }
  };
}

export interface DroppingProxy {
  port: number;
  upstreamPort: number;
  dropped: number;
  close(): Promise<void>;
}

/** Drops the first `count` responses to requests of `apiKey`; everything else passes through unchanged. */
export async function startDroppingProxy(apiKey: number, count: number): Promise<DroppingProxy> {
  const sockets = new Set<net.Socket>();
  const state: DroppingProxy = { port: 0, upstreamPort: 0, dropped: 0, close: async () => {} };
  const server = net.createServer((client) => {
    const upstream = net.connect(state.upstreamPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    const apiOf = new Map<number, number>();
    client.on(
      'data',
      frames((f) => {
        apiOf.set(f.readInt32BE(8), f.readInt16BE(4));
        upstream.write(f);
      }),
    );
    upstream.on(
      'data',
      frames((f) => {
        const correlationId = f.readInt32BE(4);
        if (apiOf.get(correlationId) === apiKey && state.dropped < count) {
          state.dropped++;
          return;
        }
        client.write(f);
      }),
    );
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as net.AddressInfo).port;
  state.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return state;
}
