// What one workflow run costs the Temporal server, read from its recorded history: the workflow
// tasks, the commands by type, and the billable actions as Temporal Cloud counts them (a start,
// a signal, an update, a timer, each activity attempt, each search-attribute upsert, and one per
// workflow task that ran local activities; patch markers are free).
// The package is CommonJS: plain Node's ESM loader sees only its default export.
import proto from '@temporalio/proto';
import type { temporal } from '@temporalio/proto';

const E = proto.temporal.api.enums.v1.EventType;
const STICKY = proto.temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_STICKY;

export interface RunCost {
  workflowTasks: number;
  /** Commands the workflow issued, by history event type (e.g. ActivityTaskScheduled: 1). */
  commands: Record<string, number>;
  billableActions: number;
  /**
   * Workflow tasks after the first that went to the task queue's normal queue, not the sticky one
   * of the worker that ran the run before: that worker had dropped it from its cache (or was gone),
   * so the next one fetched the whole history and replayed it.
   */
  replayedTasks: number;
}

const COMMAND_EVENTS = new Map<number, string>([
  [E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, 'ActivityTaskScheduled'],
  [E.EVENT_TYPE_TIMER_STARTED, 'TimerStarted'],
  [E.EVENT_TYPE_MARKER_RECORDED, 'MarkerRecorded'],
  [E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES, 'UpsertWorkflowSearchAttributes'],
  [E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, 'CompleteWorkflowExecution'],
  [E.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED, 'FailWorkflowExecution'],
  [E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED, 'CompleteWorkflowUpdate'],
]);

export function runCost(history: temporal.api.history.v1.IHistory): RunCost {
  const commands: Record<string, number> = {};
  let workflowTasks = 0;
  let actions = 0;
  const localActivityTasks = new Set<number>();
  let lastTaskCompleted = 0;
  let scheduled = 0;
  let replayedTasks = 0;
  for (const e of history.events ?? []) {
    const type = e.eventType ?? 0;
    const name = COMMAND_EVENTS.get(type);
    if (name) commands[name] = (commands[name] ?? 0) + 1;
    switch (type) {
      case E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
        if (scheduled++ > 0 && e.workflowTaskScheduledEventAttributes?.taskQueue?.kind !== STICKY) replayedTasks++;
        break;
      case E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
        workflowTasks++;
        lastTaskCompleted = Number(e.eventId);
        break;
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
      case E.EVENT_TYPE_TIMER_STARTED:
      case E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
        actions++;
        break;
      case E.EVENT_TYPE_ACTIVITY_TASK_STARTED:
        // Each attempt of an activity is an action; its last attempt is what the history keeps.
        actions += e.activityTaskStartedEventAttributes?.attempt ?? 1;
        break;
      case E.EVENT_TYPE_MARKER_RECORDED:
        if (e.markerRecordedEventAttributes?.markerName === 'core_local_activity') localActivityTasks.add(lastTaskCompleted);
        break;
    }
  }
  return { workflowTasks, commands, billableActions: actions + localActivityTasks.size, replayedTasks };
}
