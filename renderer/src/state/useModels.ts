import { useCallback, useEffect, useState } from 'react';
import type { ModelInfo } from '../../../core/contract/enhance.js';
import { api } from '../api/client.js';

/** The model list, re-read on demand (after a download, import, removal or finished job). */
export function useModels(): { models: ModelInfo[] | null; error: string | null; refresh(): void } {
  const [models, setModels] = useState<ModelInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const refresh = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    let live = true;
    api.models.list().then(
      (list) => live && setModels(list),
      (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, [tick]);
  return { models, error, refresh };
}
