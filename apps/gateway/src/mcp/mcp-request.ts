// Pure checks of an MCP POST body: the JSON-RPC messages it carries, and the stateless revision's Mcp-Method /
// Mcp-Name headers, which must repeat the body's method and name.
import { McpErrorCode, McpException } from './mcp.exception';

export interface JsonRpcMessage {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

export function parseMcpBody(raw: Buffer): JsonRpcMessage[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new McpException(McpErrorCode.INVALID_REQUEST, 'The body is not valid JSON.');
  }
  const messages = Array.isArray(parsed) ? parsed : [parsed];
  if (
    messages.length === 0 ||
    messages.some((m) => typeof m !== 'object' || m === null || Array.isArray(m))
  ) {
    throw new McpException(
      McpErrorCode.INVALID_REQUEST,
      'The body must be a JSON-RPC message or a batch of them.',
    );
  }
  return messages as JsonRpcMessage[];
}

/** The name a method addresses (a tool, a prompt, a resource URI), or undefined when it addresses none. */
export function nameOf(message: JsonRpcMessage): string | undefined {
  const params = (message.params ?? {}) as Record<string, unknown>;
  switch (message.method) {
    case 'tools/call':
    case 'prompts/get':
      return typeof params.name === 'string' ? params.name : undefined;
    case 'resources/read':
    case 'resources/subscribe':
    case 'resources/unsubscribe':
      return typeof params.uri === 'string' ? params.uri : undefined;
    default:
      return undefined;
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Refuses (400) a request whose Mcp-Method or Mcp-Name header disagrees with its body. */
export function assertHeadersMatchBody(
  headers: Record<string, string | string[] | undefined>,
  messages: readonly JsonRpcMessage[],
): void {
  const method = single(headers['mcp-method']);
  const name = single(headers['mcp-name']);
  if (method === undefined && name === undefined) return;
  if (messages.length !== 1 || typeof messages[0].method !== 'string') {
    throw new McpException(
      McpErrorCode.HEADER_MISMATCH,
      'Mcp-Method and Mcp-Name go with a body holding one JSON-RPC request or notification.',
    );
  }
  const message = messages[0];
  if (method !== undefined && method !== message.method) {
    throw new McpException(
      McpErrorCode.HEADER_MISMATCH,
      `The Mcp-Method header (${method}) does not match the body's method (${String(message.method)}).`,
    );
  }
  const bodyName = nameOf(message);
  if (name !== undefined ? name !== bodyName : bodyName !== undefined && method !== undefined) {
    throw new McpException(
      McpErrorCode.HEADER_MISMATCH,
      `The Mcp-Name header (${name ?? 'absent'}) does not match the body's name (${bodyName ?? 'absent'}).`,
    );
  }
}
