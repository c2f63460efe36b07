// The routes the gateway answers itself, and the shape of their handlers: each feature (tokens, dead letters,
// audit, status and docs) owns its handlers; the router only dispatches to them.
import type { FastifyRequest } from 'fastify';
import type { Caller } from '../tokens/token.entity';

/** Every gateway route in ROUTES; the router refuses to start when one is declared but not listed here. */
export const LOCAL_HANDLERS = [
  'GET /api/status',
  'GET /api/docs',
  'GET /api/tokens/me',
  'GET /api/tokens',
  'POST /api/tokens',
  'DELETE /api/tokens/:id',
  'GET /api/admin/dead-letters',
  'POST /api/admin/dead-letters/redrive',
  'GET /api/audit',
] as const;
export type LocalRouteKey = (typeof LOCAL_HANDLERS)[number];

export interface LocalRequest {
  params: Readonly<Record<string, string>>;
  caller: Caller;
  req: FastifyRequest;
}

/** What a local route answers; sent by the router unless the request deadline answered first. */
export interface LocalAnswer {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type LocalHandler = (r: LocalRequest) => Promise<LocalAnswer>;

/** A feature's share of the local routes. */
export type LocalHandlers<K extends LocalRouteKey> = Readonly<Record<K, LocalHandler>>;
