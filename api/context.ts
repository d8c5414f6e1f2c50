import { OpenAPIHono, createRoute, type RouteConfig, type z } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import type { Sql } from '../db/client.js';
import type { SendStarter } from '../services/send-starter.js';
import type { KivraChannel } from '../channels/kivra.js';
import type { PinoLogger } from 'hono-pino';
import type { Logger } from '../platform/logger.js';
import { Problem } from './schemas.js';
import { invalid, problemResponse } from './problem.js';

export interface AppDeps {
  sql: Sql;
  temporal: { client: Client; taskQueue: string };
  adminToken: string;
  /** Starts the workflows of accepted sends after the answer (one per process). */
  starter: SendStarter;
  log?: (msg: string) => void;
  /** JSON request and event lines; a quiet default when not given. */
  logger?: Logger;
  /** Where this process's Temporal SDK serves its own metrics, passed on by /metrics. */
  sdkMetricsUrl?: string | null;
  /** Asked by the delivery-plan explanation and the send preview whether people are Kivra users; unset: not asked. */
  kivra?: Pick<KivraChannel, 'isUser' | 'usersAmong'>;
}

export type AppEnv = { Variables: { tenantId: string; requestId: string; logger?: PinoLogger } };

/** Validation failures of any part of a request become one 422 problem listing each field. */
export function newRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const issues = (result.error as z.ZodError).issues;
        return problemResponse(
          c,
          invalid(issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }))),
        );
      }
    },
  });
}

const problemContent = { 'application/problem+json': { schema: Problem } };

/** A route with the error responses every route can give. */
export function route<R extends Omit<RouteConfig, 'responses'> & { responses: RouteConfig['responses'] }>(config: R) {
  return createRoute({
    ...config,
    security: config.security ?? [{ bearer: [] }],
    responses: {
      ...config.responses,
      400: { description: 'Malformed request', content: problemContent },
      401: { description: 'Missing or wrong API key', content: problemContent },
      404: { description: 'Not found (also for another tenant’s resource)', content: problemContent },
      409: { description: 'Conflict with the current state', content: problemContent },
      413: { description: 'Body too large', content: problemContent },
      422: { description: 'Validation failed', content: problemContent },
    },
  });
}

export const json = <T extends z.ZodType>(schema: T, description = 'OK') => ({
  description,
  content: { 'application/json': { schema } },
});

export const body = <T extends z.ZodType>(schema: T) => ({
  body: { content: { 'application/json': { schema } }, required: true },
});
