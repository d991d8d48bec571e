/**
 * `/openapi.json`, and `/docs`: Swagger UI (@fastify/swagger-ui) on the same document, every asset served
 * from the package by this server (no CDN), under a strict Content-Security-Policy: only this origin's
 * scripts, styles, images and API calls; no inline script, no framing.
 */
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/** Swagger UI needs `data:` images (its icons are inlined in its CSS); nothing else beyond 'self'. */
const DOCS_CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'", "connect-src 'self'",
  "manifest-src 'self'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join('; ');

export async function docsRoutes(app: FastifyInstance) {
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: DOCS_CSP,
    theme: { title: 'Paybridge API' },
    uiConfig: {
      // BaseLayout: no top bar. The standalone top bar only adds a URL box and a logo whose SVG carries an
      // inline <style>, which the policy above refuses.
      layout: 'BaseLayout',
      deepLinking: true, docExpansion: 'list', filter: true, displayRequestDuration: true, defaultModelsExpandDepth: 0,
      tryItOutEnabled: false, persistAuthorization: false,
    },
    uiHooks: {
      onRequest: (_request, reply, done) => {
        reply.header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer').header('x-frame-options', 'DENY');
        done();
      },
    },
  });
}
