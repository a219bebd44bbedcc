import { keysSlice } from '../../contract/keys.js';
import { defineModule } from '../module.js';
import { registerKeysCommands } from './cli.js';
import { createApiKeysRepo } from './apiKeysRepo.js';
import { KeyStore } from './keyStore.js';
import { migration as keysTables } from './migrations/0060-keys.js';
import { migration as keyConstraints } from './migrations/0090-key-constraints.js';
import { migration as keyChecks } from './migrations/0120-key-checks.js';
import { migration as cost } from './migrations/0130-cost.js';
import { CostBook } from './cost.js';
import { QuotaManager } from './quota.js';
import { FileSecretBox, type SecretBox } from './secretBox.js';

declare module '../module.js' {
  interface Services {
    /** Encrypts API keys at rest; a shell may provide its own (Electron: the OS keychain). */
    secrets: SecretBox;
    /** Gemini request slots per project × model: what restyle and batch take leases from. */
    quota: QuotaManager;
    /** Prices, the cost ledger and the daily cap: what restyle and batch reserve and bill calls in. */
    cost: CostBook;
  }
}

/** The user's Gemini API keys, their quotas and costs: keys.*, usage.*, cost.*; the `quota` and `cost` services. */
export const keysModule = defineModule({
  name: 'keys',
  contract: keysSlice,
  migrations: [keysTables, keyConstraints, keyChecks, cost],
  setup(ctx) {
    const secrets = ctx.services.secrets ?? new FileSecretBox(ctx.paths.secretKey);
    const changed = (reason: string): void => ctx.events.emit('keys.changed', { reason });
    // One repo for api_keys, shared by the store and the quota manager.
    const apiKeys = createApiKeysRepo(ctx.db);
    const keys = new KeyStore({
      db: ctx.db,
      secrets,
      apiKeys,
      baseUrl: ctx.env.geminiBaseUrl,
      onChange: changed,
    });
    const quota = new QuotaManager({
      db: ctx.db,
      secrets,
      apiKeys,
      now: ctx.clock.now,
      sleep: ctx.clock.sleep,
      margin: () => ctx.settings.get().quotaMarginPercent / 100,
      onChange: changed,
    });
    quota.prune(true);
    const costs = new CostBook({
      db: ctx.db,
      now: ctx.clock.now,
      cap: () => ctx.settings.get().dailyCostCapUsd,
      onAlert: (alert) => ctx.events.emit('cost.alert', alert),
      onChange: (today) => ctx.events.emit('cost.changed', today),
    });
    return {
      handlers: {
        'keys.list': () => keys.list(),
        'keys.add': (input) => keys.add(input),
        'keys.test': ({ id }) => keys.test(id),
        'keys.disable': ({ id, reason }) => keys.setDisabled(id, reason ?? 'disabled by you'),
        'keys.enable': ({ id }) => keys.setDisabled(id, null),
        'keys.remove': ({ id }) => ({ removed: keys.remove(id) }),
        'usage.summary': () => ({
          rows: quota.summary(),
          limits: quota.limitsList(),
          margin: quota.margin,
          today: (({ calls, spentUsd, pricesAsOf }) => ({ calls, usd: spentUsd, pricesAsOf }))(costs.today()),
        }),
        'usage.setLimit': (limit) => quota.setLimit(limit),
        'cost.today': () => costs.today(),
        'cost.ledger': (input) => costs.ledger(input?.day, input?.limit ?? 500),
        'cost.prices': () => costs.prices(),
        'cost.setPrice': (input) => costs.setPrice(input),
        'cost.resetPrice': ({ model, imageSize }) => ({ removed: costs.resetPrice(model, imageSize) }),
      },
      services: { secrets, quota, cost: costs },
    };
  },
  cli: registerKeysCommands,
});
