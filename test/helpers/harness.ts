import { WebSocket } from 'ws';
import { createCore, type Core, type CoreOptions } from '../../core/app/createCore.js';
import { createLocalTransport } from '../../core/app/localTransport.js';
import type { Transport } from '../../core/contract/client.js';
import { createHttpTransport } from '../../core/contract/transport-http.js';
import { startServer, type RunningServer, type ServerOptions } from '../../core/host/server.js';
import { tempDir } from './fixtures.js';

export type TransportKind = 'direct' | 'http';

export interface Harness {
  core: Core;
  transport: Transport;
  server: RunningServer | null;
  dataDir: string;
  close(): Promise<void>;
}

/** A real core on a temp data folder, reached directly or through the real HTTP/WS server. */
export async function startHarness(
  kind: TransportKind,
  serverOptions: Partial<ServerOptions> = {},
  coreOptions: Partial<CoreOptions> = {},
): Promise<Harness> {
  const dir = tempDir();
  const core = createCore({ dataDir: dir.path, shell: kind === 'http' ? 'web' : 'cli', ...coreOptions });
  let server: RunningServer | null = null;
  let transport: Transport;
  if (kind === 'http') {
    server = await startServer({ core, port: 0, staticDir: dir.path, ...serverOptions });
    transport = createHttpTransport({
      baseUrl: server.url.replace(/\/$/, ''),
      token: serverOptions.token,
      webSocket: (url) => new WebSocket(url),
      reconnectMs: 50,
    });
  } else {
    transport = createLocalTransport(core);
  }
  return {
    core,
    transport,
    server,
    dataDir: dir.path,
    async close() {
      await server?.close();
      await core.close();
      dir.cleanup();
    },
  };
}
