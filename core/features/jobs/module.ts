import { defineSlice } from '../../contract/define.js';
import { defineModule } from '../module.js';
import { registerJobsCommands } from './cli.js';

/**
 * The jobs.* methods over the engine. Their schemas are not a slice of this module: the contract
 * builds them from every module's job kinds (`composeContract`).
 */
export const jobsModule = defineModule({
  name: 'jobs',
  contract: defineSlice({}),
  setup: ({ jobs }) => ({
    handlers: {
      'jobs.create': (req, { signal }) => jobs.create(req, signal),
      'jobs.list': (input) => jobs.list(input?.status),
      'jobs.get': ({ id, offset, limit, status }) => jobs.get(id, offset, limit, status),
      'jobs.log': ({ id, limit }) => jobs.logOf(id, limit),
      'jobs.cancel': ({ id }) => jobs.cancel(id),
      'jobs.pause': ({ id }) => jobs.pause(id),
      'jobs.resume': ({ id }) => jobs.resume(id),
      'jobs.retryFailed': ({ id }) => jobs.retryFailed(id),
      'jobs.estimate': ({ kind, options, images }) => jobs.estimate(kind, options, images),
      'jobs.clearFinished': () => ({ removed: jobs.clearFinished() }),
      'jobs.cancelItem': ({ itemId }) => jobs.cancelItem(itemId),
    },
  }),
  cli: registerJobsCommands,
});
