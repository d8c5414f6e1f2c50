import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Hono } from 'hono';
import { swaggerUI } from '@hono/swagger-ui';

const require = createRequire(import.meta.url);
const distDir = path.dirname(require.resolve('swagger-ui-dist/package.json'));
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
};

/** Interactive docs served entirely from this service (no CDN), so they work offline too. */
export function docsRoutes() {
  const app = new Hono();
  app.get('/docs', swaggerUI({ url: '/openapi.json', baseUrl: '/docs/assets', title: 'Invoice distribution API' }));
  app.get('/docs/assets/swagger-ui-dist/:file', async (c) => {
    const file = c.req.param('file');
    const type = ASSETS[file];
    if (!type) return c.notFound();
    return new Response(await readFile(path.join(distDir, file)), {
      headers: { 'content-type': type, 'cache-control': 'public, max-age=86400' },
    });
  });
  return app;
}
