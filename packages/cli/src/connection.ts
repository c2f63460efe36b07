// Where the API is and who we are: --url / MCP_HOST_URL, and --token, --token-file, MCP_HOST_TOKEN or the admin token file.
// The admin token file is a fallback for the local host only: it is sent to the URL the host recorded next to it (its
// data dir's state.json) and, while none is recorded, to a loopback URL; never to any other --url.
import { dirname, isAbsolute, join } from 'node:path';
import { CliError } from './cli-error';
import type { CliIo } from './io';

export const DEFAULT_URL = 'http://localhost:3000';
/** Where `mcp-host start` (and the gateway by default) writes the first admin token, relative to the working dir. */
export const DEFAULT_ADMIN_TOKEN_FILE = join('.mcp-host', 'admin-token');

export interface GlobalOptions {
  url?: string;
  token?: string;
  tokenFile?: string;
  json?: boolean;
}

export interface Connection {
  baseUrl: URL;
  token: string | undefined;
}

export function resolveUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(`--url "${raw}" is not a URL (expected e.g. ${DEFAULT_URL}).`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(`--url "${raw}" must start with http:// or https://.`);
  }
  return url;
}

/**
 * Precedence: --token, then --token-file, then MCP_HOST_TOKEN, then the standalone admin token file if present and
 * written for `baseUrl` (see `adminTokenFileServes`).
 */
export function resolveToken(opts: GlobalOptions, io: CliIo, baseUrl?: URL): string | undefined {
  if (opts.token !== undefined && opts.token.trim() !== '') return opts.token.trim();
  if (opts.tokenFile !== undefined) {
    const path = absolute(opts.tokenFile, io);
    const text = readToken(path, io);
    if (text === undefined) throw new CliError(`--token-file ${path} does not exist.`);
    if (text === '') throw new CliError(`--token-file ${path} is empty.`);
    return text;
  }
  const fromEnv = io.env.MCP_HOST_TOKEN?.trim();
  if (fromEnv) return fromEnv;
  const dataDir = io.env.MCP_HOST_DATA_DIR;
  const fallback = absolute(dataDir ? join(dataDir, 'admin-token') : DEFAULT_ADMIN_TOKEN_FILE, io);
  const text = readToken(fallback, io);
  if (text === undefined || text === '') return undefined;
  const url = baseUrl ?? resolveUrl(opts.url ?? io.env.MCP_HOST_URL ?? DEFAULT_URL);
  const serves = adminTokenFileServes(fallback, url, io);
  if (!serves.ok) {
    io.stderr(`mcpctl: not sending the admin token file ${fallback} to ${url.origin}: ${serves.why}\n`);
    return undefined;
  }
  return text;
}

export function resolveConnection(opts: GlobalOptions, io: CliIo): Connection {
  const baseUrl = resolveUrl(opts.url ?? io.env.MCP_HOST_URL ?? DEFAULT_URL);
  return { baseUrl, token: resolveToken(opts, io, baseUrl) };
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '0.0.0.0', '[::]']);

function isLoopback(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname) || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
}

function defaultPort(url: URL): string {
  return url.port || (url.protocol === 'https:' ? '443' : '80');
}

/** Same scheme and port, and the same host (any loopback spelling stands for any other). */
function sameOrigin(a: URL, b: URL): boolean {
  if (a.protocol !== b.protocol || defaultPort(a) !== defaultPort(b)) return false;
  return a.hostname === b.hostname || (isLoopback(a) && isLoopback(b));
}

/**
 * Whether the admin token file may be sent to `url`: the host records the gateway's URL in `state.json` next to the
 * token (`{"gateway": {"url": ...}}`); with a record only that URL gets it, without one only a loopback URL does.
 */
export function adminTokenFileServes(
  tokenFile: string,
  url: URL,
  io: CliIo,
): { ok: true } | { ok: false; why: string } {
  const statePath = join(dirname(tokenFile), 'state.json');
  let recorded: string | undefined;
  try {
    const state = io.readFile(statePath);
    if (state !== undefined) {
      const parsed = JSON.parse(state) as { gateway?: { url?: unknown } };
      if (typeof parsed.gateway?.url === 'string') recorded = parsed.gateway.url;
    }
  } catch {
    recorded = undefined;
  }
  if (recorded !== undefined) {
    let hostUrl: URL | undefined;
    try {
      hostUrl = new URL(recorded);
    } catch {
      hostUrl = undefined;
    }
    if (hostUrl && sameOrigin(hostUrl, url)) return { ok: true };
    return {
      ok: false,
      why: `it was written for ${hostUrl?.origin ?? recorded}; pass --token or --token-file`,
    };
  }
  if (isLoopback(url)) return { ok: true };
  return { ok: false, why: 'it is sent only to the local host; pass --token or --token-file' };
}

function absolute(path: string, io: CliIo): string {
  return isAbsolute(path) ? path : join(io.cwd(), path);
}

function readToken(path: string, io: CliIo): string | undefined {
  let text: string | undefined;
  try {
    text = io.readFile(path);
  } catch (err) {
    throw new CliError(`Cannot read the token file ${path}: ${(err as Error).message}`);
  }
  return text?.trim();
}
