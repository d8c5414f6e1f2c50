import type { Hono, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import { requestId } from 'hono/request-id';
import { pinoLogger } from 'hono-pino';
import { prometheus } from '@hono/prometheus';
import { httpInstrumentationMiddleware } from '@hono/otel';
import { ulid } from '../platform/ulid.js';
import { createLogger } from '../platform/logger.js';
import { registry } from '../platform/metrics.js';
import { metricsRoutes } from './routes/metrics.js';
import { AuthThrottle } from './auth-throttle.js';
import { inputGuard } from './input-guard.js';
import { escapeForLog } from '../platform/log-line.js';
import { newRouter, type AppDeps } from './context.js';
import { tenantAuth } from './auth.js';
import { idempotency } from './idempotency.js';
import { problemResponse, ProblemError, toProblem } from './problem.js';
import { healthRoutes } from './routes/health.js';
import { adminRoutes } from './routes/admin.js';
import { companyRoutes } from './routes/companies.js';
import { partyRoutes } from './routes/parties.js';
import { personalDataRoutes } from './routes/personal-data.js';
import { invoiceRoutes } from './routes/invoices.js';
import { sendRoutes } from './routes/sends.js';
import { sendRunRoutes } from './routes/send-runs.js';
import { sendFailureRoutes } from './routes/send-failures.js';
import { suppressionRoutes } from './routes/suppressions.js';
import { eventRoutes } from './routes/events.js';
import { webhookEndpointRoutes } from './routes/webhook-endpoints.js';
import { inboundRoutes } from './routes/inbound.js';
import { settlementRoutes } from './routes/credit-and-payment.js';
import { printBatchRoutes } from './routes/print-batches.js';
import { mandateRoutes } from './routes/autogiro-mandates.js';
import { dunningRoutes } from './routes/dunning.js';
import { paymentFileRoutes } from './routes/payment-files.js';
import { docsRoutes } from './routes/docs.js';
import { backOffice } from '../backoffice/app.js';
import { invoicePageRoutes } from './routes/invoice-page.js';

/** 10,000 invoice ids fit easily; a company logo (≤ 2 MB base64) too. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

const noStore: MiddlewareHandler = async (c, next) => {
  await next();
  c.res.headers.set('cache-control', 'no-store');
};

const ROUTE_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * The methods some route (not a middleware, which every method passes) answers on this path:
 * a path that exists but not for the request's method is a 405 with these in `Allow`.
 */
function allowedMethods(app: Pick<Hono, 'router'>, path: string): string[] {
  const allow: string[] = ROUTE_METHODS.filter((method) =>
    app.router.match(method, path)[0].some(([[, route]]) => route.method !== 'ALL'));
  return allow.includes('GET') ? [...allow, 'HEAD'] : allow;
}

// HTTP request counts and latencies by route and status, in the process-wide registry (once per process).
let httpMetrics: ReturnType<typeof prometheus> | null = null;

export function createApp(deps: AppDeps) {
  const app = newRouter();
  httpMetrics ??= prometheus({ registry });
  const logger = deps.logger ?? createLogger({ name: 'api', level: process.env.LOG_LEVEL ?? 'warn' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', description: 'Tenant API key' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'admin', { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' });

  // A server span per request (a no-op unless tracing is on); a send's workflow continues its trace.
  app.use('*', httpInstrumentationMiddleware({ serviceName: 'invoice-distribution-api' }));
  // Each request gets an id (a caller's own X-Request-Id is kept), returned and on every log line.
  app.use('*', requestId({ generator: () => `req_${ulid()}` }));
  app.use(
    '*',
    pinoLogger({
      pino: logger,
      http: {
        reqId: false,
        referRequestIdKey: '-',
        // Path and route only: query strings can hold a searched name, headers an API key.
        onReqBindings: (c) => ({ requestId: c.get('requestId'), req: { method: c.req.method, path: c.req.path } }),
        onResBindings: (c) => ({ res: { status: c.res.status }, route: c.req.routePath, tenantId: c.get('tenantId') }),
        onResLevel: (c) => (c.res.status >= 500 ? 'error' : c.req.path === '/health' ? 'debug' : 'info'),
      },
    }),
  );
  app.use('*', httpMetrics.registerMetrics);
  app.use(
    '*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new ProblemError(413, 'body_too_large', 'Body too large', `The request body is larger than ${MAX_BODY_BYTES} bytes.`);
      },
    }),
  );
  app.use('*', secureHeaders());
  // Invoices, people and documents are personal data: no cache keeps a copy.
  app.use('/v1/*', noStore);
  app.use('/admin/*', noStore);
  const throttle = new AuthThrottle();
  const tenants = tenantAuth(deps.sql, throttle);
  // Inbound reports come from the mail system with the admin token, not a tenant key.
  app.use('/v1/*', (c, next) => (c.req.path.startsWith('/v1/inbound/') ? next() : tenants(c, next)));
  app.use('*', inputGuard({
    rawBodies: { '/v1/inbound/bounces': ['message/rfc822', 'text/plain'], '/v1/companies/{id}/payment-files': ['text/plain', 'application/octet-stream'] },
    formPrefix: '/app/',
  }));
  app.use('/v1/*', idempotency(deps.sql));

  app.route('/', healthRoutes(deps));
  app.route('/', metricsRoutes(deps, throttle));
  app.route('/', adminRoutes(deps, throttle));
  app.route('/', companyRoutes(deps));
  app.route('/', partyRoutes(deps));
  app.route('/', personalDataRoutes(deps));
  app.route('/', invoiceRoutes(deps));
  app.route('/', sendRoutes(deps));
  app.route('/', sendRunRoutes(deps));
  app.route('/', sendFailureRoutes(deps));
  app.route('/', suppressionRoutes(deps));
  app.route('/', eventRoutes(deps));
  app.route('/', webhookEndpointRoutes(deps));
  app.route('/', inboundRoutes(deps, throttle));
  app.route('/', settlementRoutes(deps));
  app.route('/', printBatchRoutes(deps));
  app.route('/', mandateRoutes(deps));
  app.route('/', dunningRoutes(deps));
  app.route('/', paymentFileRoutes(deps));

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Invoice distribution API',
      version: '1.0.0',
      description: 'Delivers invoices and payment reminders by e-mail, central print, e-invoice, Autogiro or own printer.',
    },
  });
  app.route('/', docsRoutes());
  // The back office: staff in a browser, acting through the routes above (in-process).
  // The invoice page customers open from the e-mail (no login; the token is the key).
  app.route('/', invoicePageRoutes({ sql: deps.sql, throttle }));
  app.route('/app', backOffice({ sql: deps.sql, api: app, throttle, log: deps.log }));

  app.notFound((c) => {
    const allow = allowedMethods(app, c.req.path);
    if (allow.length && !allow.includes(c.req.method)) {
      return problemResponse(c, new ProblemError(405, 'method_not_allowed', 'Method not allowed',
        `${c.req.path} does not take ${c.req.method}; it takes ${allow.join(', ')}.`, undefined, { allow: allow.join(', ') }));
    }
    return problemResponse(c, new ProblemError(404, 'not_found', 'Not found', `No route for ${c.req.method} ${c.req.path}.`));
  });
  app.onError((err, c) => {
    const p = toProblem(err);
    if (p.status >= 500) deps.log?.(`error on ${c.req.method} ${escapeForLog(c.req.path)}: ${escapeForLog(String((err as Error).stack ?? err))}`);
    return problemResponse(c, p);
  });
  return app;
}
