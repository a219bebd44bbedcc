import { open, rename, rm, stat } from 'node:fs/promises';
import { RpcError } from '../../contract/errors.js';
import { sha256File } from '../../kernel/hash.js';

export interface DownloadRequest {
  urls: string[];
  target: string;
  /** The published sha256; null when nobody publishes one (the digest is returned to record). */
  sha256: string | null;
  bytes: number;
  signal?: AbortSignal;
  onProgress?: (received: number, total: number | null) => void;
  fetch?: typeof fetch;
}

/**
 * Downloads into `<target>.part`, resuming with a Range request when a partial file exists,
 * hashes the whole file, and renames it into place only when the sha256 matches: a bad or
 * truncated download never installs. Tries each URL in turn. Returns the file's sha256.
 */
export async function downloadVerified(req: DownloadRequest): Promise<string> {
  const part = `${req.target}.part`;
  const doFetch = req.fetch ?? globalThis.fetch;
  const failures: string[] = [];
  for (const url of req.urls) {
    try {
      const have = await stat(part).then(
        (s) => s.size,
        () => 0,
      );
      const headers: Record<string, string> = have > 0 && have < req.bytes ? { range: `bytes=${have}-` } : {};
      if (have >= req.bytes) await rm(part, { force: true });
      const response = await doFetch(url, { headers, ...(req.signal && { signal: req.signal }) });
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      const resumed = response.status === 206 && have > 0 && have < req.bytes;
      let received = resumed ? have : 0;
      // Each chunk is written before the next is read, so when the network drops, the part file
      // holds exactly what arrived and the next try resumes from there.
      const handle = await open(part, resumed ? 'a' : 'w');
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          received += chunk.length;
          if (received > req.bytes) throw new Error(`more than the expected ${req.bytes} bytes`);
          await handle.write(chunk);
          req.onProgress?.(received, req.bytes);
        }
      } finally {
        await handle.close();
      }
      const digest = await sha256File(part);
      if (req.sha256 !== null && digest !== req.sha256) {
        await rm(part, { force: true });
        throw new RpcError(
          'CHECKSUM_MISMATCH',
          `The file from ${url} has sha256 ${digest}, not the expected ${req.sha256}; it was discarded.`,
        );
      }
      await rename(part, req.target);
      return digest;
    } catch (error) {
      if (req.signal?.aborted) throw error;
      if (error instanceof RpcError) throw error;
      failures.push(`${url}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new RpcError(
    'DOWNLOAD_FAILED',
    `Could not download the model (${failures.join('; ')}). If this computer is offline, import the file with \`pixelsmith models import FILE.pth\` (or .onnx); a partial download resumes next time.`,
  );
}
