import { useState } from 'react';
import type { MethodInput } from '../../core/contract/methods.js';
import { api } from './api/client.js';
import { messageOf } from './components/StatusLine.js';

/** Starts a job from a form: busy while asking, the server's sentence on failure. */
export function useStartJob(onStarted: (jobId: string) => void): {
  busy: boolean;
  error: string | null;
  start(request: MethodInput<'jobs.create'>): void;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const start = (request: MethodInput<'jobs.create'>): void => {
    setBusy(true);
    setError(null);
    api.jobs
      .create(request)
      .then(
        (job) => onStarted(job.id),
        (e: unknown) => setError(messageOf(e)),
      )
      .finally(() => setBusy(false));
  };
  return { busy, error, start };
}
