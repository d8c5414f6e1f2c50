import type { Client } from '@temporalio/client';
import type { Sql } from '../db/client.js';
import { deliverWebhooks } from '../workflows/deliver-webhooks.js';

export const webhookWorkflowId = (endpointId: string) => `webhooks-${endpointId}`;

/** Starts the endpoint's delivery workflow unless it runs already (it ends when the endpoint is deleted or disabled). */
export async function ensureWebhookWorkflow(t: { client: Client; taskQueue: string }, endpoint: { id: string; tenantId: string }): Promise<void> {
  await t.client.workflow.start(deliverWebhooks, {
    taskQueue: t.taskQueue,
    workflowId: webhookWorkflowId(endpoint.id),
    args: [{ endpointId: endpoint.id, tenantId: endpoint.tenantId }],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
}

/** Every enabled endpoint has its workflow (one whose start failed at creation gets it here). */
export async function ensureAllWebhookWorkflows(t: { client: Client; taskQueue: string; sql: Sql }): Promise<void> {
  const rows = await t.sql`SELECT id, tenant_id FROM webhook_endpoints WHERE deleted_at IS NULL AND enabled`;
  for (const r of rows) await ensureWebhookWorkflow(t, { id: r.id, tenantId: r.tenant_id });
}
