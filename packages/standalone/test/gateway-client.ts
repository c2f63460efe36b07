// Calls the standalone host's gateway as a bearer of `token`, for the end-to-end tests.

export interface Answer<T> {
  status: number;
  body: T;
}

/** One REST call through the gateway; a JSON body is sent as JSON, an empty answer's body is `{}`. */
export async function callGateway<T = Record<string, unknown>>(
  url: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Answer<T>> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
}
