// Errors of the tool manifest API, each code mapped to one HTTP status.
import { ApiException } from '@mcp-host/platform';

export enum ToolsErrorCode {
  NOT_DISCOVERED = 'TOOLS_NOT_DISCOVERED',
}

export class ToolsException extends ApiException {
  constructor(code: ToolsErrorCode, message: string) {
    super(404, code, message);
  }
}
