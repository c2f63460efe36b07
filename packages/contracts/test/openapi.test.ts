// The OpenAPI document lists every route with its role and owner, and every documented body belongs to a real route.
import { buildOpenApiDocument, matchRoute, ROUTE_SCHEMAS, ROUTES } from '../src';

type Operation = {
  'x-required-role': string;
  'x-service': string;
  parameters: { name: string; in: string }[];
  requestBody?: unknown;
  responses: Record<string, { content?: Record<string, unknown> }>;
};
const document = buildOpenApiDocument() as {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
};

function operationOf(method: string, path: string): Operation | undefined {
  return document.paths[path.replace(/:([A-Za-z]+)/g, '{$1}')]?.[method.toLowerCase()];
}

describe('OpenAPI document', () => {
  it('when the document is built, then it is OpenAPI 3.1 and lists every route with role and service', () => {
    expect(document.openapi).toBe('3.1.0');
    for (const route of ROUTES) {
      const op = operationOf(route.method, route.path);
      expect(op?.['x-required-role']).toBe(route.role);
      expect(op?.['x-service']).toBe(route.service);
    }
  });

  it('when a route has path parameters, then each is a required path parameter', () => {
    const op = operationOf('POST', '/api/providers/:providerId/keys/:keyId/bindings');
    expect(op?.parameters.filter((p) => p.in === 'path').map((p) => p.name)).toEqual(['providerId', 'keyId']);
    expect(op?.requestBody).toBeDefined();
  });

  it('when a route streams, then its success response is text/event-stream', () => {
    for (const route of ROUTES.filter((r) => r.stream !== undefined)) {
      expect(operationOf(route.method, route.path)?.responses['200']?.content).toHaveProperty(
        'text/event-stream',
      );
    }
  });

  it('when route schemas are declared, then each names a declared route', () => {
    for (const key of Object.keys(ROUTE_SCHEMAS)) {
      const [method = '', path = ''] = key.split(' ');
      expect({ key, path: matchRoute(method, path.replace(/:[A-Za-z]+/g, 'x'))?.route.path }).toEqual({
        key,
        path,
      });
    }
  });

  it('when the server list is documented, then limit, cursor, q and status are query parameters', () => {
    const names = operationOf('GET', '/api/servers')?.parameters.map((p) => p.name);
    expect(names).toEqual(['limit', 'cursor', 'q', 'status']);
  });
});
