import { WebSocket } from 'ws';
import { createCore, type Core, type CoreOptions } from '../../core/app/createCore.js';
import { createLocalTransport } from '../../core/app/localTransport.js';
import { SHIPPED_MODULES } from '../../core/app/modules.js';
import type { Transport } from '../../core/contract/client.js';
import { defineSlice } from '../../core/contract/define.js';
import { createHttpTransport } from '../../core/contract/transport-http.js';
import { defineModule, type FeatureModule, type ModuleContext } from '../../core/features/module.js';
import { startServer, type RunningServer, type ServerOptions } from '../../core/host/server.js';
import { tempDir } from './fixtures.js';

export type TransportKind = 'direct' | 'http';

/** The token harness servers require (tests that speak raw HTTP send it themselves). */
export const HARNESS_TOKEN = 'harness-token-0123456789abcdef';

export interface Harness {
  core: Core;
  /** The context modules were set up with (database, services…), seen through a probe module. */
  context: ModuleContext;
  transport: Transport;
  server: RunningServer | null;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * A module that adds nothing and keeps the context it was given, so a test can reach the same
 * database and services the shipped modules use, the way a real plug-in would.
 */
export function probeModule(): { module: FeatureModule; context: () => ModuleContext } {
  let seen: ModuleContext | null = null;
  return {
    module: defineModule({
      name: 'test-probe',
      contract: defineSlice({}),
      setup(ctx) {
        seen = ctx;
        return { handlers: {} };
      },
    }),
    context: () => {
      if (!seen) throw new Error('the probe module was not set up');
      return seen;
    },
  };
}

/** A real core on a temp data folder, reached directly or through the real HTTP/WS server. */
export async function startHarness(
  kind: TransportKind,
  serverOptions: Partial<ServerOptions> = {},
  coreOptions: Partial<CoreOptions> = {},
): Promise<Harness> {
  const dir = tempDir();
  const probe = probeModule();
  const core = createCore({
    dataDir: dir.path,
    shell: kind === 'http' ? 'web' : 'cli',
    ...coreOptions,
    modules: [...(coreOptions.modules ?? SHIPPED_MODULES), probe.module],
  });
  let server: RunningServer | null = null;
  let transport: Transport;
  if (kind === 'http') {
    const token = serverOptions.token ?? HARNESS_TOKEN;
    server = await startServer({
      core,
      dataDir: dir.path,
      port: 0,
      staticDir: dir.path,
      ...serverOptions,
      token,
    });
    transport = createHttpTransport({
      baseUrl: server.url.replace(/\/$/, ''),
      token,
      webSocket: (url, headers) => new WebSocket(url, { headers }),
      reconnectMs: 50,
    });
  } else {
    transport = createLocalTransport(core);
  }
  return {
    core,
    context: probe.context(),
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
