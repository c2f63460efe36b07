// Builds the OpenAPI 3.1 document of the public API from ROUTES and the zod bodies, for the gateway's /api/docs
// and for client generators. Routes without a modelled body or response are still listed, with a generic object.
import { z } from 'zod';
import { errorBodySchema } from './api/error-body.schema';
import { MCP_OPENAPI_PATHS, MCP_OPENAPI_SCHEMAS } from './mcp-openapi';
import { ROUTE_SCHEMAS, routeKey, type RouteSchemas } from './route-schemas';
import { ROUTES, type RouteDefinition } from './routes';
import { topicByName } from './topics';

type JsonObject = Record<string, unknown>;

// Requests are described by what the service accepts (input side), responses by what it sends (output side).
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonObject {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
  }) as JsonObject;
  return rest;
}

function successStatus(route: RouteDefinition, schemas: RouteSchemas | undefined): number {
  if (schemas?.status !== undefined) return schemas.status;
  if (route.method === 'POST') return 201;
  if (route.method === 'DELETE') return 204;
  return 200;
}

function queryParameters(schema: z.ZodType | undefined): JsonObject[] {
  if (schema === undefined) return [];
  const object = jsonSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({
    name,
    in: 'query',
    required: object.required?.includes(name) ?? false,
    schema: property,
  }));
}

function operation(route: RouteDefinition): JsonObject {
  const schemas = ROUTE_SCHEMAS[routeKey(route)];
  const pathParameters = route.path
    .split('/')
    .filter((segment) => segment.startsWith(':'))
    .map((segment) => ({ name: segment.slice(1), in: 'path', required: true, schema: { type: 'string' } }));
  const status = successStatus(route, schemas);
  const success: JsonObject = { description: route.stream ? 'Server-sent events' : 'Success' };
  if (route.stream !== undefined) {
    success.content = {
      'text/event-stream': {
        schema: { type: 'string' },
        'x-topic': route.stream.topic,
        'x-event-types': topicByName(route.stream.topic)?.eventTypes ?? [],
      },
    };
  } else if (status !== 204) {
    success.content = {
      'application/json': {
        schema: schemas?.response ? jsonSchema(schemas.response, 'output') : { type: 'object' },
      },
    };
  }
  const op: JsonObject = {
    operationId: routeKey(route),
    summary: route.description,
    tags: [route.service],
    'x-service': route.service,
    'x-required-role': route.role,
    parameters: [...pathParameters, ...queryParameters(schemas?.query)],
    responses: {
      [String(status)]: success,
      default: {
        description: 'Error',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } },
      },
    },
  };
  if (schemas?.body !== undefined) {
    op.requestBody = {
      required: true,
      content: { 'application/json': { schema: jsonSchema(schemas.body, 'input') } },
    };
  }
  return op;
}

export function buildOpenApiDocument(info: { title?: string; version?: string } = {}): JsonObject {
  const paths: Record<string, Record<string, JsonObject>> = {};
  for (const route of ROUTES) {
    const openApiPath = route.path.replace(/:([A-Za-z]+)/g, '{$1}');
    paths[openApiPath] ??= {};
    paths[openApiPath][route.method.toLowerCase()] = operation(route);
  }
  // The MCP door is not an /api route; its operations are described by hand.
  for (const [path, ops] of Object.entries(MCP_OPENAPI_PATHS)) paths[path] = { ...ops };
  return {
    openapi: '3.1.0',
    info: { title: info.title ?? 'MCP Host API', version: info.version ?? '1' },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { ErrorBody: jsonSchema(errorBodySchema, 'output'), ...MCP_OPENAPI_SCHEMAS },
    },
  };
}
