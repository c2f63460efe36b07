// Where the API is and who we are: --url / MCP_HOST_URL, and --token, --token-file, MCP_HOST_TOKEN or the admin token file.
import { isAbsolute, join } from 'node:path';
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

/** Precedence: --token, then --token-file, then MCP_HOST_TOKEN, then the standalone admin token file if present. */
export function resolveToken(opts: GlobalOptions, io: CliIo): string | undefined {
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
  return text === undefined || text === '' ? undefined : text;
}

export function resolveConnection(opts: GlobalOptions, io: CliIo): Connection {
  return {
    baseUrl: resolveUrl(opts.url ?? io.env.MCP_HOST_URL ?? DEFAULT_URL),
    token: resolveToken(opts, io),
  };
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
