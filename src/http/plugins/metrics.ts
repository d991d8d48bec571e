/**
 * Prometheus metrics at `/metrics`: the business figures, read from the database at each scrape (global:
 * every process answers the same), plus this process's own request counts and latencies per route and
 * Node.js process figures (per process: scrape every API process).
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Deps } from '../../app/deps.js';
import { businessMetrics } from './business-metrics.js';

/** How old the business figures may be when scraped: a refresh is a few grouped scans (README, Metrics). */
const METRICS_MAX_AGE_MS = 15_000;

export const metricsPlugin = fp(async (app: FastifyInstance, opts: { deps: Deps; maxAgeMs?: number | undefined }) => {
  const registry = new Registry();
  const refresh = businessMetrics(registry, opts.deps, opts.maxAgeMs ?? METRICS_MAX_AGE_MS);
  collectDefaultMetrics({ register: registry, prefix: 'paybridge_' });
  const requests = new Counter({
    name: 'paybridge_http_requests_total', help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'] as const, registers: [registry],
  });
  const duration = new Histogram({
    name: 'paybridge_http_request_duration_seconds', help: 'HTTP request duration by route',
    labelNames: ['method', 'route'] as const, buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [registry],
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    await refresh();
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
}, { name: 'paybridge-metrics' });
