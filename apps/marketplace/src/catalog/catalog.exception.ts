// Errors of the marketplace catalog, each code mapped to one HTTP status.
import { ApiException } from '@mcp-host/platform';

export enum CatalogErrorCode {
  ENTRY_NOT_FOUND = 'CATALOG_ENTRY_NOT_FOUND',
  INVALID_CURSOR = 'INVALID_CURSOR',
}

function statusOf(code: CatalogErrorCode): number {
  switch (code) {
    case CatalogErrorCode.ENTRY_NOT_FOUND:
      return 404;
    case CatalogErrorCode.INVALID_CURSOR:
      return 400;
    default: {
      const never: never = code;
      return never;
    }
  }
}

export class CatalogException extends ApiException {
  constructor(code: CatalogErrorCode, message: string, details?: unknown) {
    super(statusOf(code), code, message, details);
  }
}
