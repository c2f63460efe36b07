// A bare Kafka connection for tests that must control exact bytes: requests are encoded by kafkajs's protocol modules.
import * as net from 'node:net';
import encodeRequest from 'kafkajs/src/protocol/request';
import Long from 'kafkajs/src/utils/long';

export { Long };

export interface KafkajsRequest {
  request: { apiKey: number; apiVersion: number; encode(): Promise<unknown> };
  response: { decode(payload: Buffer): Promise<unknown> };
}

type ApiDir =
  | 'produce'
  | 'fetch'
  | 'listOffsets'
  | 'metadata'
  | 'initProducerId'
  | 'apiVersions'
  | 'offsetCommit'
  | 'offsetFetch'
  | 'findCoordinator'
  | 'joinGroup'
  | 'heartbeat'
  | 'leaveGroup'
  | 'syncGroup'
  | 'describeGroups'
  | 'listGroups'
  | 'createTopics'
  | 'deleteTopics'
  | 'describeConfigs'
  | 'createPartitions'
  | 'deleteGroups';

/** Builds a kafkajs request object of one API at one version. */
export function kafkajsRequest(api: ApiDir, version: number, args: Record<string, unknown>): KafkajsRequest {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(`kafkajs/src/protocol/requests/${api}`);
  return mod.protocol({ version })(args);
}

export class RawClient {
  private pending: Buffer = Buffer.alloc(0);
  private readonly waiters: { resolve: (frame: Buffer) => void; reject: (err: Error) => void }[] = [];
  private readonly frames: Buffer[] = [];
  private correlationId = 1;
  readonly closed: Promise<void>;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.pending = Buffer.concat([this.pending, chunk]);
      while (this.pending.length >= 4 && this.pending.length >= 4 + this.pending.readInt32BE(0)) {
        const size = this.pending.readInt32BE(0);
        const frame = this.pending.subarray(4, 4 + size);
        this.pending = this.pending.subarray(4 + size);
        const waiter = this.waiters.shift();
        if (waiter) waiter.resolve(frame);
        else this.frames.push(frame);
      }
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        // A request still waiting when the connection goes gets no answer, now rather than at its timeout.
        for (const waiter of this.waiters.splice(0)) waiter.reject(new Error('connection closed'));
        resolve();
      }),
    );
    socket.on('error', () => {});
  }

  static connect(host: string, port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host, () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Encodes a full request frame (size prefix included) without sending it. */
  async frame(req: KafkajsRequest, correlationId = this.correlationId++): Promise<Buffer> {
    const encoder = await encodeRequest({ correlationId, clientId: 'raw-test', request: req.request });
    return encoder.buffer as Buffer;
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** The next response frame: correlation id and the body after it. */
  nextResponse(timeoutMs = 10_000): Promise<{ correlationId: number; body: Buffer }> {
    const frame = this.frames.shift();
    const toResult = (f: Buffer) => ({ correlationId: f.readInt32BE(0), body: f.subarray(4) });
    if (frame) return Promise.resolve(toResult(frame));
    if (this.socket.destroyed) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no response')), timeoutMs);
      this.waiters.push({
        resolve: (f) => {
          clearTimeout(timer);
          resolve(toResult(f));
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
    });
  }

  /** Sends a kafkajs-encoded request and decodes its response with kafkajs. */
  async send<T>(req: KafkajsRequest): Promise<T> {
    this.write(await this.frame(req));
    const { body } = await this.nextResponse();
    return (await req.response.decode(body)) as T;
  }

  get isClosed(): boolean {
    return this.socket.destroyed;
  }

  /** Stops reading from the socket, like a client that never reads its responses. */
  pause(): void {
    this.socket.pause();
  }

  close(): void {
    this.socket.destroy();
  }
}
