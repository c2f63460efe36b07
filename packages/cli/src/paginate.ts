// Keyset pagination shared by the list commands: one page, or every page with --all by following `next_cursor`.
import type { ApiClient, QueryValue, RouteRef } from './api-client';
import { CliError } from './cli-error';

export interface Page {
  items: unknown[];
  next_cursor: string | null;
}

/** Pages of at most 200 items; the cap stops a cursor that never ends from looping forever. */
const MAX_PAGES = 10_000;

export async function fetchPages(
  client: ApiClient,
  route: RouteRef,
  query: Readonly<Record<string, QueryValue>>,
  all: boolean,
): Promise<Page> {
  const items: unknown[] = [];
  let cursor = typeof query.cursor === 'string' ? query.cursor : undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const body = asPage(await client.call(route, { query: { ...query, cursor } }), route);
    items.push(...body.items);
    if (!all || body.next_cursor === null) return { items, next_cursor: body.next_cursor };
    if (body.next_cursor === cursor) throw new CliError(`${route.path} returned the same cursor twice.`);
    cursor = body.next_cursor;
  }
  throw new CliError(`${route.path} kept returning pages after ${MAX_PAGES}; stopped.`);
}

function asPage(body: unknown, route: RouteRef): Page {
  if (typeof body === 'object' && body !== null) {
    const { items, next_cursor } = body as { items?: unknown; next_cursor?: unknown };
    if (
      Array.isArray(items) &&
      (typeof next_cursor === 'string' || next_cursor === null || next_cursor === undefined)
    ) {
      return { items: items as unknown[], next_cursor: next_cursor ?? null };
    }
  }
  throw new CliError(`The answer to ${route.method} ${route.path} is not a page of items.`);
}
