// Child process of bundle-workflows.ts `bundleWorkflowsInChild`: bundles, hands the bundle to the
// parent, exits (taking webpack's memory with it).
import { bundleWorkflows } from './bundle-workflows.js';

const { traced } = JSON.parse(process.argv[2] ?? '{}') as { traced?: boolean };
const bundle = await bundleWorkflows({ traced: traced === true });
process.send!({ code: bundle.code, sourceMap: bundle.sourceMap }, () => process.exit(0));
