// What one send costs the Temporal server, read from the recorded histories of a sent, an undone
// and a failed send: workflow tasks, commands by type and billable actions. A change that adds a
// step to the send shows here before it shows on the bill.
import { describe, expect, it } from 'vitest';
import { temporal } from '@temporalio/proto';
import { useTestService, type TestService } from './helpers/service.js';
import { history, waitForStatus } from './helpers/fixtures.js';
import { runCost } from '../platform/billable-actions.js';

let s: TestService;
useTestService((t) => (s = t));

const send = async (invoiceId: string) => {
  const res = await s.h.request('POST', '/v1/invoices/send', { key: s.key, body: { invoiceIds: [invoiceId] } });
  expect(res.json.results[0].accepted).toBe(true);
  return res.json.results[0].workflowId as string;
};

async function costOf(workflowId: string) {
  const handle = s.h.client.workflow.getHandle(workflowId);
  await handle.result().catch(() => undefined);
  const h = await handle.fetchHistory();
  return { ...runCost(h), first: h.events![0].workflowExecutionStartedEventAttributes! };
}

describe('the cost of one send', () => {
  it('a delivered e-mail: two workflow tasks, one activity, one search-attribute update — 3 billable actions, no timer', async () => {
    const company = await s.f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 0 });
    const inv = await s.f.invoice(company, await s.f.person({ email: 'cost@example.com' }));
    const wf = await send(inv.id);
    await waitForStatus(s.h, inv.id, 'sent');
    const cost = await costOf(wf);
    expect(cost.workflowTasks).toBe(2);
    expect(cost.commands).toEqual({ ActivityTaskScheduled: 1, UpsertWorkflowSearchAttributes: 1, CompleteWorkflowExecution: 1 });
    expect(cost.billableActions).toBe(3);
    expect(s.h.smtp.received.filter((m) => m.to && !Array.isArray(m.to) && m.to.text === 'cost@example.com')).toHaveLength(1);
  });

  it('an undo window held by the server: the run starts when the window ends, with no timer, and delivers once', async () => {
    const company = await s.f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 3 });
    const inv = await s.f.invoice(company, await s.f.person({ email: 'held@example.com' }));
    const wf = await send(inv.id);
    const handle = s.h.client.workflow.getHandle(wf);
    // Waiting: the run exists (the operator finds it) but has no workflow task yet.
    expect((await handle.describe()).status.name).toBe('RUNNING');
    expect((await handle.fetchHistory()).events!.map((e) => e.eventType)).toEqual([temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED]);
    await waitForStatus(s.h, inv.id, 'sent');
    const cost = await costOf(wf);
    const backoffMs = Number(cost.first.firstWorkflowTaskBackoff?.seconds ?? 0) * 1000 + (cost.first.firstWorkflowTaskBackoff?.nanos ?? 0) / 1e6;
    expect(backoffMs).toBeGreaterThan(1500);
    expect(backoffMs).toBeLessThanOrEqual(3000);
    expect(cost.commands.TimerStarted).toBeUndefined();
    expect(cost.billableActions).toBe(3);
  });

  it('an undone send: the credit is recorded at once, signal-with-start ends the delay, the run ends with no activity', async () => {
    const company = await s.f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 300 });
    const inv = await s.f.invoice(company, await s.f.person({ email: 'undone@example.com' }));
    const wf = await send(inv.id);
    const credit = await s.h.request('POST', `/v1/invoices/${inv.id}/credit`, { key: s.key, body: { reason: 'wrong amount' } });
    expect(credit.status).toBe(200);
    expect(credit.json.undone).toBe(true);
    const cost = await costOf(wf);
    expect(cost.workflowTasks).toBe(1);
    expect(cost.commands).toEqual({ UpsertWorkflowSearchAttributes: 1, CompleteWorkflowExecution: 1 });
    // The start, the signal and the outcome: the five-minute window cost nothing while it ran.
    expect(cost.billableActions).toBe(3);
    expect((await history(s.h, inv.id)).map((e) => e.type)).toEqual(['created', 'send_requested', 'send_undone']);
    expect(await s.h.client.workflow.getHandle(wf).result()).toMatchObject({ outcome: 'undone' });
  });

  it('a failed send: the activity fails, the restore runs as a local activity — 4 billable actions', async () => {
    const company = await s.f.company({ activeMethods: ['email'], defaultMethod: 'email', undoWindowSeconds: 0 });
    const inv = await s.f.invoice(company, await s.f.person({ email: 'refused@example.com' }));
    s.h.smtp.state.refuse = true;
    try {
      const wf = await send(inv.id);
      await waitForStatus(s.h, inv.id, 'unsent');
      const cost = await costOf(wf);
      expect(cost.workflowTasks).toBe(2);
      expect(cost.commands).toEqual({ ActivityTaskScheduled: 1, MarkerRecorded: 1, UpsertWorkflowSearchAttributes: 1, FailWorkflowExecution: 1 });
      expect(cost.billableActions).toBe(4);
    } finally {
      s.h.smtp.state.refuse = false;
    }
  });
});

describe('reading a history', () => {
  const E = temporal.api.enums.v1.EventType;
  const { TASK_QUEUE_KIND_NORMAL: NORMAL, TASK_QUEUE_KIND_STICKY: STICKY } = temporal.api.enums.v1.TaskQueueKind;
  const task = (kind: number) => [
    { eventType: E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, workflowTaskScheduledEventAttributes: { taskQueue: { name: kind === STICKY ? 'sticky-1' : 'sends', kind } } },
    { eventType: E.EVENT_TYPE_WORKFLOW_TASK_STARTED },
    { eventType: E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED },
  ];
  const activity = [{ eventType: E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED }, { eventType: E.EVENT_TYPE_ACTIVITY_TASK_STARTED }, { eventType: E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED }];
  const run = (second: number) => [{ eventType: E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED }, ...task(NORMAL), ...activity, ...task(second), { eventType: E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED }];

  it('a task after the first on the normal queue was replayed by a worker that no longer held the run; on the sticky queue, not', () => {
    expect(runCost({ events: run(STICKY) })).toMatchObject({ workflowTasks: 2, replayedTasks: 0, billableActions: 2 });
    expect(runCost({ events: run(NORMAL) })).toMatchObject({ workflowTasks: 2, replayedTasks: 1, billableActions: 2 });
  });
});
