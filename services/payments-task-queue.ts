/**
 * Payment files have a task queue of their own, polled by every worker beside the sends' queue:
 * on the sends' queue a file posted during a 10,000-invoice run waited behind the run's tasks
 * (490 s in the soak), and the reminders that wait for it with it.
 */
export const paymentsTaskQueue = (taskQueue: string): string => `${taskQueue}-payments`;
