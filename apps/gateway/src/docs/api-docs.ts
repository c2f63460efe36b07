// GET /api/docs: the OpenAPI 3.1 document built from the contracts (the same one committed as
// packages/contracts/schemas/openapi.json and checked for drift), as JSON or as a self-contained HTML page.
import { buildOpenApiDocument } from '@mcp-host/contracts';

type Json = Record<string, unknown>;

let cached: { json: string; html: string } | undefined;

export function apiDocs(): { json: string; html: string } {
  if (!cached) {
    const doc = buildOpenApiDocument();
    cached = { json: JSON.stringify(doc), html: renderHtml(doc) };
  }
  return cached;
}

/** HTML unless the client asks for JSON (`?format=json`, or an Accept that prefers JSON over HTML). */
export function wantsHtml(accept: string | undefined, format: unknown): boolean {
  if (format === 'json') return false;
  if (format === 'html') return true;
  const a = (accept ?? '').toLowerCase();
  return a.includes('text/html') && !a.startsWith('application/json');
}

const escape = (s: unknown) =>
  String(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

function renderHtml(doc: Json): string {
  const info = (doc.info ?? {}) as Json;
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Json>>;
  const rows: string[] = [];
  for (const [path, ops] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const params = ((op.parameters ?? []) as Json[])
        .map(
          (p) =>
            `<code>${escape(p.name)}</code> <small>(${escape(p.in)}${p.required ? ', required' : ''})</small>`,
        )
        .join('<br>');
      const responses = Object.keys((op.responses ?? {}) as Json)
        .filter((s) => s !== 'default')
        .join(', ');
      const body = op.requestBody
        ? `<details><summary>request body</summary><pre>${escape(JSON.stringify((op.requestBody as Json).content, null, 2))}</pre></details>`
        : '';
      rows.push(
        `<tr id="${escape(op.operationId)}"><td><span class="m ${escape(method)}">${escape(method.toUpperCase())}</span></td>` +
          `<td><code>${escape(path)}</code><div>${escape(op.summary)}</div>${body}</td>` +
          `<td>${escape(op['x-required-role'])}</td><td>${escape(op['x-service'])}</td><td>${params}</td><td>${escape(responses)}</td></tr>`,
      );
    }
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(info.title)} ${escape(info.version)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:.4rem .6rem;vertical-align:top;text-align:left}th{background:#f4f4f4}
.m{font-weight:600;font-family:monospace}.get{color:#0a6}.post{color:#06c}.patch,.put{color:#a60}.delete{color:#c22}
pre{background:#f7f7f7;padding:.5rem;overflow:auto;max-height:24rem}code{font-size:13px}
</style></head><body>
<h1>${escape(info.title)} <small>v${escape(info.version)}</small></h1>
<p>OpenAPI ${escape(doc.openapi)} document: <a href="/api/docs?format=json">JSON</a>. Every call needs <code>Authorization: Bearer &lt;token&gt;</code>; the role column is the least role allowed.
Stream routes answer <code>text/event-stream</code> and resume with <code>Last-Event-ID</code>.</p>
<table><thead><tr><th>method</th><th>path</th><th>role</th><th>service</th><th>parameters</th><th>success</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table></body></html>
`;
}
