// One real Temporal dev server (the same CLI binary the service runs) and one workflow bundle
// for the whole run; each test file gets its own task queue and its own PostgreSQL database.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { TestProject } from 'vitest/node';
import { ensureTemporalCli } from '../platform/temporal-cli.js';
import { ALL_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';
import { TEMPORAL_DYNAMIC_CONFIG } from '../platform/temporal-dev-server.js';
import { bundleWorkflows } from '../worker/bundle-workflows.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    workflowBundlePath: string;
  }
}

export default async function setup(project: TestProject) {
  const cli = await ensureTemporalCli((m) => console.log(m));
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: cli },
      searchAttributes: ALL_SEARCH_ATTRIBUTES,
      ip: '127.0.0.1',
      extraArgs: TEMPORAL_DYNAMIC_CONFIG.flatMap((c) => ['--dynamic-config-value', c]),
    },
  });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'invoice-dist-bundle-'));
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  await writeFile(bundlePath, (await bundleWorkflows()).code);
  project.provide('temporalAddress', env.address);
  project.provide('workflowBundlePath', bundlePath);
  return async () => {
    await env.teardown();
    await rm(dir, { recursive: true, force: true });
  };
}
