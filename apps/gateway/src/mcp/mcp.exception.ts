// The errors of the /mcp/:server door, each with its HTTP status.
import { ApiException } from '@mcp-host/platform';

export enum McpErrorCode {
  SERVER_NOT_FOUND = 'MCP_SERVER_NOT_FOUND',
  SERVER_NOT_RUNNING = 'MCP_SERVER_NOT_RUNNING',
  SESSION_NOT_FOUND = 'MCP_SESSION_NOT_FOUND',
  INVALID_REQUEST = 'MCP_INVALID_REQUEST',
  HEADER_MISMATCH = 'MCP_HEADER_MISMATCH',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  UPSTREAM_UNAVAILABLE = 'MCP_UPSTREAM_UNAVAILABLE',
}

function statusOf(code: McpErrorCode): number {
  switch (code) {
    case McpErrorCode.SERVER_NOT_FOUND:
    case McpErrorCode.SESSION_NOT_FOUND:
      return 404;
    case McpErrorCode.INVALID_REQUEST:
    case McpErrorCode.HEADER_MISMATCH:
      return 400;
    case McpErrorCode.PAYLOAD_TOO_LARGE:
      return 413;
    case McpErrorCode.SERVER_NOT_RUNNING:
      return 503;
    case McpErrorCode.UPSTREAM_UNAVAILABLE:
      return 502;
    default: {
      const never: never = code;
      throw new Error(`unknown MCP error code ${String(never)}`);
    }
  }
}

export class McpException extends ApiException {
  constructor(code: McpErrorCode, message: string, details?: Record<string, unknown>) {
    super(statusOf(code), code, message, details);
  }
}
