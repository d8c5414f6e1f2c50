import { afterAll, beforeAll } from 'vitest';
import { createHarness, type Harness, type HarnessOptions } from './harness.js';
import { fixtures } from './fixtures.js';

export interface TestService {
  h: Harness;
  key: string;
  f: ReturnType<typeof fixtures>;
}

/**
 * The usual test file setup: a harness with a running worker and one tenant; torn down after
 * the file. `bind` receives the parts once they exist (before the first test). `worker: false`
 * for files that run their workers as processes of their own (to kill them).
 */
export function useTestService(bind: (s: TestService) => void, opts: (HarnessOptions & { worker?: boolean }) | (() => HarnessOptions) = {}) {
  let h: Harness | undefined;
  let worker: Awaited<ReturnType<Harness['startWorker']>> | undefined;
  beforeAll(async () => {
    const o = typeof opts === 'function' ? opts() : opts;
    h = await createHarness(o);
    if ((o as { worker?: boolean }).worker !== false) worker = await h.startWorker();
    const key = await h.createTenant();
    bind({ h, key, f: fixtures(h, key) });
  });
  afterAll(async () => {
    await worker?.stop();
    await h?.close();
  });
}
