// A stand-in of the Firecracker VM manager for machines without KVM, run as its own process like the real binary:
// `node firecracker-stand-in.js --api-sock <path> --id <id>`. It serves the subset of the Firecracker REST API the
// VM executor uses, with the real request shapes and error answers (`{"fault_message": …}`): PUT /machine-config,
// /boot-source, /drives/{drive_id}, /vsock, /actions (InstanceStart, SendCtrlAltDel) and GET /. The "guest" is the
// root drive: a JSON file describing what its attestation agent answers. After InstanceStart the vsock device's
// unix socket accepts `CONNECT <port>\n`, answers `OK <n>\n`, and the agent answers one `{"nonce"}` line with one
// `{"token"}` line: an EAR JWT signed with the key the guest file names. Only node builtins, so it runs transpiled.
import { createPrivateKey, sign } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';

/** What the guest image's attestation agent does (the root drive's content). */
export interface StandInGuest {
  attester: {
    platform: string;
    measurement: string;
    policy_debug: boolean;
    reported_tcb: number;
    status?: string;
    /** Private JWK the token is signed with. */
    private_jwk: Record<string, unknown>;
    kid: string;
    /** Answer this nonce instead of the one asked. */
    nonce?: string;
    /** Shift `iat` by this many seconds (negative: an old token). */
    iat_offset_seconds?: number;
  };
  agent_port?: number;
}

function arg(name: string): string {
  const i = process.argv.indexOf(name);
  if (i < 0 || !process.argv[i + 1]) {
    process.stderr.write(`missing ${name}\n`);
    process.exit(2);
  }
  return process.argv[i + 1];
}

const apiSock = arg('--api-sock');
const id = arg('--id');

interface State {
  machine: { vcpu_count: number; mem_size_mib: number; smt: boolean };
  boot?: { kernel_image_path: string; boot_args?: string };
  drives: Map<
    string,
    { drive_id: string; path_on_host: string; is_root_device: boolean; is_read_only: boolean }
  >;
  vsock?: { guest_cid: number; uds_path: string };
  state: 'Not started' | 'Running';
}
const vm: State = {
  machine: { vcpu_count: 1, mem_size_mib: 128, smt: false },
  drives: new Map(),
  state: 'Not started',
};
let vsockServer: NetServer | undefined;

class Fault extends Error {}

function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') as unknown;
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
          throw new Fault('body is not an object');
        resolve(parsed as Record<string, unknown>);
      } catch (err) {
        reject(
          err instanceof Fault
            ? err
            : new Fault(`An error occurred when deserializing the json body of a request: ${String(err)}`),
        );
      }
    });
    req.on('error', reject);
  });
}

const int = (v: unknown, field: string, min: number, max: number): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw new Fault(`Invalid ${field}: ${String(v)}`);
  return v;
};
const str = (v: unknown, field: string): string => {
  if (typeof v !== 'string' || v.length === 0) throw new Fault(`Invalid ${field}`);
  return v;
};
const bool = (v: unknown, field: string): boolean => {
  if (typeof v !== 'boolean') throw new Fault(`Invalid ${field}`);
  return v;
};
const notStarted = (what: string) => {
  if (vm.state !== 'Not started')
    throw new Fault(`The requested operation is not supported after starting the microVM: ${what}`);
};

function ear(guest: StandInGuest, nonce: string): string {
  const a = guest.attester;
  const header = { alg: 'ES256', typ: 'JWT', kid: a.kid };
  const claims = {
    eat_profile: 'tag:github.com,2023:veraison/ear',
    iat: Math.floor(Date.now() / 1000) + (a.iat_offset_seconds ?? 0),
    iss: 'stand-in-verifier',
    eat_nonce: a.nonce ?? nonce,
    'ear.verifier-id': { developer: 'mcp-host tests', build: 'stand-in' },
    submods: {
      guest: {
        'ear.status': a.status ?? 'affirming',
        'ear.veraison.annotated-evidence': {
          platform: a.platform,
          measurement: a.measurement,
          policy_debug: a.policy_debug,
          reported_tcb: a.reported_tcb,
        },
      },
    },
  };
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  const key = createPrivateKey({ key: a.private_jwk as never, format: 'jwk' });
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

function startGuest(): void {
  const root = [...vm.drives.values()].find((d) => d.is_root_device);
  if (!vm.boot) throw new Fault('Cannot start microvm without kernel configuration.');
  if (!root) throw new Fault('Cannot start microvm without a root block device.');
  const guest = JSON.parse(readFileSync(root.path_on_host, 'utf8')) as StandInGuest;
  vm.state = 'Running';
  if (!vm.vsock) return;
  const port = guest.agent_port ?? 5000;
  rmSync(vm.vsock.uds_path, { force: true });
  vsockServer = createNetServer((conn) => {
    let buffer = '';
    let connected = false;
    conn.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (!connected) {
          if (line !== `CONNECT ${port}`) return void conn.end();
          connected = true;
          conn.write('OK 1073741824\n');
        } else {
          const { nonce } = JSON.parse(line) as { nonce: string };
          conn.write(`${JSON.stringify({ token: ear(guest, nonce) })}\n`);
        }
      }
    });
    conn.on('error', () => undefined);
  });
  vsockServer.listen(vm.vsock.uds_path);
}

async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return void res.end(
      JSON.stringify({ id, state: vm.state, vmm_version: '1.7.0', app_name: 'Firecracker' }),
    );
  }
  if (req.method !== 'PUT') throw new Fault(`Invalid request method and/or path: ${req.method} ${path}`);
  const b = await body(req);
  if (path === '/machine-config') {
    notStarted('machine config');
    vm.machine = {
      vcpu_count: int(b.vcpu_count, 'vcpu_count', 1, 32),
      mem_size_mib: int(b.mem_size_mib, 'mem_size_mib', 1, 1 << 20),
      smt: b.smt === undefined ? false : bool(b.smt, 'smt'),
    };
  } else if (path === '/boot-source') {
    notStarted('boot source');
    const kernel = str(b.kernel_image_path, 'kernel_image_path');
    if (!existsSync(kernel))
      throw new Fault(`The kernel file cannot be opened: No such file or directory (os error 2)`);
    vm.boot = {
      kernel_image_path: kernel,
      boot_args: typeof b.boot_args === 'string' ? b.boot_args : undefined,
    };
  } else if (path.startsWith('/drives/')) {
    notStarted('drive');
    const driveId = decodeURIComponent(path.slice('/drives/'.length));
    if (str(b.drive_id, 'drive_id') !== driveId)
      throw new Fault('The id from the path does not match the id from the body!');
    const hostPath = str(b.path_on_host, 'path_on_host');
    if (!existsSync(hostPath))
      throw new Fault(`Unable to create the block device: No such file or directory (os error 2)`);
    vm.drives.set(driveId, {
      drive_id: driveId,
      path_on_host: hostPath,
      is_root_device: bool(b.is_root_device, 'is_root_device'),
      is_read_only: bool(b.is_read_only, 'is_read_only'),
    });
  } else if (path === '/vsock') {
    notStarted('vsock');
    vm.vsock = {
      guest_cid: int(b.guest_cid, 'guest_cid', 3, 0xffffffff),
      uds_path: str(b.uds_path, 'uds_path'),
    };
  } else if (path === '/actions') {
    const action = str(b.action_type, 'action_type');
    if (action === 'InstanceStart') {
      notStarted('InstanceStart');
      startGuest();
    } else if (action === 'SendCtrlAltDel') {
      shutdown();
    } else if (action !== 'FlushMetrics') {
      throw new Fault(`Invalid action_type: ${action}`);
    }
  } else {
    throw new Fault(`Invalid request method and/or path: PUT ${path}`);
  }
  res.writeHead(204);
  res.end();
}

const api = createHttpServer((req, res) => {
  route(req, res).catch((err: unknown) => {
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ fault_message: err instanceof Error ? err.message : String(err) }));
  });
});

function shutdown(): void {
  vsockServer?.close();
  api.close();
  if (vm.vsock) rmSync(vm.vsock.uds_path, { force: true });
  rmSync(apiSock, { force: true });
  process.exit(0);
}

process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
rmSync(apiSock, { force: true });
api.listen(apiSock);
