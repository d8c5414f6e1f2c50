import path from 'node:path';

/** Everything configurable comes from the environment (API.md "Configuration"); secrets never from files in the repo. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const dataDir = path.resolve(env.DATA_DIR ?? './data');
  return {
    dataDir,
    databaseUrl: env.DATABASE_URL || null,
    embeddedPostgresPort: Number(env.EMBEDDED_POSTGRES_PORT ?? 54329),
    temporalAddress: env.TEMPORAL_ADDRESS || null,
    temporalNamespace: env.TEMPORAL_NAMESPACE || 'default',
    temporalPort: Number(env.TEMPORAL_PORT ?? 7233),
    temporalUiPort: Number(env.TEMPORAL_UI_PORT ?? 8233),
    taskQueue: env.TEMPORAL_TASK_QUEUE || 'invoice-distribution',
    smtpUrl: env.SMTP_URL || null,
    mailFrom: env.MAIL_FROM || 'invoices@invoice-distribution.local',
    // Envelope sender of e-mails, one address per delivery (bounces+<workflow id>@…): bounces name their delivery.
    bounceAddress: env.BOUNCE_ADDRESS || `bounces@${(env.MAIL_FROM || 'invoices@invoice-distribution.local').split('@')[1]}`,
    bounceSmtpPort: env.BOUNCE_SMTP_PORT ? Number(env.BOUNCE_SMTP_PORT) : null,
    /** Bankgirot's files dropped here, in a folder per company id, are imported (production: off when unset). */
    paymentsInboxDir: env.PAYMENTS_INBOX_DIR || null,
    /** A worker's Prometheus port (GET /metrics); unset: none. */
    metricsPort: env.METRICS_PORT ? Number(env.METRICS_PORT) : null,
    printProviderUrl: env.PRINT_PROVIDER_URL || null,
    printProviderToken: env.PRINT_PROVIDER_TOKEN || null,
    pageroApiUrl: env.PAGERO_API_URL || null,
    pageroApiToken: env.PAGERO_API_TOKEN || null,
    kivraApiUrl: env.KIVRA_API_URL || null,
    kivraClientId: env.KIVRA_CLIENT_ID || null,
    kivraClientSecret: env.KIVRA_CLIENT_SECRET || null,
    autogiroOutboxDir: path.resolve(env.AUTOGIRO_OUTBOX_DIR ?? path.join(dataDir, 'outbox', 'autogiro')),
    outboxDir: path.join(dataDir, 'outbox'),
    port: Number(env.PORT ?? 3000),
    /** Where customers reach this service: invoice e-mails link to `<PUBLIC_BASE_URL>/i/<token>`. */
    publicBaseUrl: (env.PUBLIC_BASE_URL || `http://localhost:${Number(env.PORT ?? 3000)}`).replace(/\/+$/, ''),
    // Loopback unless told otherwise: exposing the API is a deployment decision (docker-compose sets 0.0.0.0).
    host: env.HOST || '127.0.0.1',
    adminToken: env.ADMIN_TOKEN || null,
    /**
     * How long one activation of workflow code may run before the worker calls it a deadlock
     * (e.g. `5s`, the SDK's default). Off (0) unless set: the check starts a watchdog thread on
     * every call into the workflow sandbox (docs/benchmarks.md has what that cost here).
     */
    workflowIsolateTimeout: env.WORKFLOW_ISOLATE_TIMEOUT || 0,
    /** How many sends' workflow state a worker keeps between their two workflow tasks (docs/benchmarks.md). */
    workerCachedWorkflows: env.WORKER_CACHED_WORKFLOWS ? Number(env.WORKER_CACHED_WORKFLOWS) : null,
    /**
     * Webhook endpoints may be loopback or private addresses, and plain http (local runs and tests).
     * Off unless `true`: such endpoints are refused at creation and never called.
     */
    webhookAllowPrivateTargets: /^(true|1)$/i.test(env.WEBHOOK_ALLOW_PRIVATE_TARGETS ?? ''),
  };
}
export type Config = ReturnType<typeof loadConfig>;
