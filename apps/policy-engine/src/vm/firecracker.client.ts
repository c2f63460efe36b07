// A client of a Firecracker-style VM manager API served over HTTP on a unix socket (one socket per VM), and of the
// host side of its vsock device (connect to the vsock unix socket, `CONNECT <port>\n`, wait for `OK <port>\n`).
import { request } from 'node:http';
import { createConnection } from 'node:net';

export class VmmApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'VmmApiError';
  }
}

export interface MachineConfig {
  vcpu_count: number;
  mem_size_mib: number;
  smt?: boolean;
}
export interface BootSource {
  kernel_image_path: string;
  boot_args?: string;
  initrd_path?: string;
}
export interface Drive {
  drive_id: string;
  path_on_host: string;
  is_root_device: boolean;
  is_read_only: boolean;
}
export interface Vsock {
  guest_cid: number;
  uds_path: string;
}
export interface InstanceInfo {
  id: string;
  state: 'Not started' | 'Running' | 'Paused';
  vmm_version: string;
  app_name: string;
}

export class FirecrackerClient {
  constructor(
    readonly socketPath: string,
    private readonly timeoutMs = 5000,
  ) {}

  putMachineConfig(body: MachineConfig): Promise<void> {
    return this.put('/machine-config', body);
  }
  putBootSource(body: BootSource): Promise<void> {
    return this.put('/boot-source', body);
  }
  putDrive(body: Drive): Promise<void> {
    return this.put(`/drives/${encodeURIComponent(body.drive_id)}`, body);
  }
  putVsock(body: Vsock): Promise<void> {
    return this.put('/vsock', body);
  }
  action(action_type: 'InstanceStart' | 'SendCtrlAltDel' | 'FlushMetrics'): Promise<void> {
    return this.put('/actions', { action_type });
  }
  async describe(): Promise<InstanceInfo> {
    return JSON.parse(await this.call('GET', '/')) as InstanceInfo;
  }

  private async put(path: string, body: unknown): Promise<void> {
    await this.call('PUT', path, body);
  }

  private call(method: string, path: string, body?: unknown): Promise<string> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          socketPath: this.socketPath,
          method,
          path,
          headers: {
            accept: 'application/json',
            ...(payload
              ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
              : {}),
          },
          timeout: this.timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) return resolve(text);
            let fault = text;
            try {
              fault = (JSON.parse(text) as { fault_message?: string }).fault_message ?? text;
            } catch {
              /* not JSON: keep the text */
            }
            reject(new VmmApiError(status, `${method} ${path} answered ${status}: ${fault}`));
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }
}

/** Sends one line to a guest vsock port through the VM's vsock unix socket and resolves with the one line it answers. */
export function vsockExchange(
  udsPath: string,
  port: number,
  line: string,
  timeoutMs: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(udsPath);
    let buffer = '';
    let connected = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the guest agent on vsock port ${port} did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (err: Error | null, value?: string) => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(value ?? '');
    };
    socket.on('connect', () => socket.write(`CONNECT ${port}\n`));
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const got = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (!connected) {
          if (!got.startsWith('OK ')) return done(new Error(`vsock CONNECT ${port} refused: ${got}`));
          connected = true;
          socket.write(`${line}\n`);
        } else {
          return done(null, got);
        }
      }
    });
    socket.on('error', (err) => done(err));
    socket.on('end', () => done(new Error(`the guest agent on vsock port ${port} closed the connection`)));
  });
}
