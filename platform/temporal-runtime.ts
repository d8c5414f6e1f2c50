import { Runtime } from '@temporalio/worker';
import type { Logger } from 'pino';
import { freePort } from './free-port.js';
import { temporalLogger } from './logger.js';

/**
 * Installs the process's Temporal SDK runtime once, before any worker connection: its log lines
 * go through pino, and its own metrics (task slots, poll latencies, activity failures) are served
 * in Prometheus format on a local port, which this process's /metrics passes on.
 */
export async function installTemporalRuntime(logger: Logger): Promise<{ sdkMetricsUrl: string }> {
  const port = await freePort();
  Runtime.install({
    logger: temporalLogger(logger.child({ component: 'temporal' })),
    telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${port}`, useSecondsForDurations: true } } },
  });
  return { sdkMetricsUrl: `http://127.0.0.1:${port}/metrics` };
}
