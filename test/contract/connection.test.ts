import { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpTransport, type ConnectionState } from '../../core/contract/transport-http.js';
import { startServer, type RunningServer } from '../../core/host/server.js';
import { HARNESS_TOKEN, startHarness, type Harness } from '../helpers/harness.js';

let h: Harness;
let again: RunningServer | null = null;
afterEach(async () => {
  await again?.close();
  again = null;
  await h.close();
});

describe('the connection the studio shows', () => {
  it('goes open, reconnecting, disconnected when the server goes away, and open again when it is back', async () => {
    h = await startHarness('http');
    const port = h.server?.port ?? 0;
    const transport = createHttpTransport({
      baseUrl: `http://127.0.0.1:${port}`,
      token: HARNESS_TOKEN,
      webSocket: (url, headers) => new WebSocket(url, { headers }),
      reconnectMs: 20,
    });
    const seen: ConnectionState[] = [];
    transport.connection.subscribe((s) => seen.push(s));
    expect(transport.connection.state()).toBe('connecting');
    const off = transport.subscribe(() => undefined);
    await expect.poll(() => transport.connection.state()).toBe('open');

    await h.server?.close();
    await expect.poll(() => transport.connection.state()).toBe('disconnected');
    // Calls fail with a sentence while it is away.
    const call = await transport.call('app.info', {});
    expect(call).toMatchObject({ ok: false, error: { code: 'TRANSPORT' } });

    again = await startServer({
      core: h.core,
      dataDir: h.dataDir,
      port,
      staticDir: h.dataDir,
      token: HARNESS_TOKEN,
    });
    await expect.poll(() => transport.connection.state(), { timeout: 10_000 }).toBe('open');
    expect(seen[0]).toBe('open');
    expect(seen).toContain('reconnecting');
    expect(seen.slice(-2)).toEqual(['disconnected', 'open']);
    off();
  });
});
