/** `/docs`: a readable page generated from the OpenAPI document, so the two never disagree. */
import type { FastifyInstance } from 'fastify';

type Json = Record<string, any>;

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function schemaText(schema: Json | undefined, depth = 0): string {
  if (!schema) return '';
  if (schema['$ref']) return esc(String(schema['$ref']).replace(/^#\/components\/schemas\//, '').replace(/#$/, ''));
  if (schema['anyOf']) return (schema['anyOf'] as Json[]).map((s) => schemaText(s, depth)).join(' | ');
  if (schema['type'] === 'array') return `${schemaText(schema['items'], depth)}[]`;
  if (schema['type'] === 'object' && schema['properties'] && depth < 3) {
    const required = new Set<string>(schema['required'] ?? []);
    const rows = Object.entries(schema['properties'] as Record<string, Json>).map(([name, s]) =>
      `<li><code>${esc(name)}</code>${required.has(name) ? ' <b>required</b>' : ''}: ${schemaText(s, depth + 1)}${s['description'] ? ` — ${esc(s['description'])}` : ''}</li>`);
    return `object<ul>${rows.join('')}</ul>`;
  }
  if (schema['const'] !== undefined) return `<code>${esc(JSON.stringify(schema['const']))}</code>`;
  if (schema['enum']) return (schema['enum'] as unknown[]).map((v) => `<code>${esc(JSON.stringify(v))}</code>`).join(' | ');
  return esc(schema['type'] ?? 'any') + (schema['format'] ? ` (${esc(schema['format'])})` : '');
}

export function renderDocs(doc: Json): string {
  const sections: string[] = [];
  for (const [path, ops] of Object.entries(doc['paths'] as Record<string, Json>)) {
    for (const [method, op] of Object.entries(ops)) {
      const params = (op['parameters'] as Json[] | undefined ?? [])
        .map((p) => `<li><code>${esc(p['name'])}</code> (${esc(p['in'])}${p['required'] ? ', required' : ''}): ${schemaText(p['schema'])}</li>`).join('');
      const body = op['requestBody']?.content ? Object.values(op['requestBody'].content as Record<string, Json>)[0]?.['schema'] : undefined;
      const responses = Object.entries(op['responses'] as Record<string, Json> ?? {})
        .map(([code, r]) => `<li><b>${esc(code)}</b> ${schemaText(r['content'] ? Object.values(r['content'] as Record<string, Json>)[0]?.['schema'] : undefined)}</li>`).join('');
      sections.push(`<section><h3><span class="m">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h3>
<p>${esc(op['summary'] ?? '')}</p>${op['description'] ? `<p>${esc(op['description'])}</p>` : ''}
${op['security'] ? `<p class="s">Auth: ${esc((op['security'] as Json[]).map((s) => Object.keys(s).join('+')).join(' or '))}</p>` : ''}
${params ? `<h4>Parameters</h4><ul>${params}</ul>` : ''}${body ? `<h4>Body</h4>${schemaText(body)}` : ''}
<h4>Responses</h4><ul>${responses}</ul></section>`);
    }
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(doc['info']?.title)} API</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#222}
section{border-top:1px solid #ddd;padding:.5rem 0}.m{background:#234;color:#fff;padding:0 .4rem;border-radius:3px;font-size:.8em}
code{background:#f4f4f4;padding:0 .2rem}.s{color:#666}h4{margin:.5rem 0 0}</style></head><body>
<h1>${esc(doc['info']?.title)} API ${esc(doc['info']?.version)}</h1><p>${esc(doc['info']?.description ?? '')}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI ${esc(doc['openapi'])}).</p>${sections.join('\n')}</body></html>`;
}

export async function docsRoutes(app: FastifyInstance) {
  let html: string | undefined;
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/docs', { schema: { hide: true } }, async (_request, reply) => {
    html ??= renderDocs(app.swagger() as Json);
    return reply.type('text/html; charset=utf-8').send(html);
  });
}
