import type { GoogleGenAI } from '@google/genai';
import { restyleSlice, sizeProblem } from '../../contract/restyle.js';
import { defineModule } from '../module.js';
import { registerRestyleCommands } from './cli.js';
import { ContentCache } from './contentCache.js';
import { estimateRestyle } from './estimate.js';
import { generationConfig } from './gemini.js';
import { migration as restyleTables } from './migrations/0140-restyle.js';
import { restyleOperation, WAIT_COST_CAP } from './operation.js';
import { StyleStore } from './styleStore.js';

const SAMPLES_PER_STYLE = 3;

/**
 * Restyle with Gemini: styles (built-in and the user's), the `restyle` job kind with its content
 * cache, and estimates. Calls go through the keys module's quota leases and cost book.
 */
export const restyleModule = defineModule({
  name: 'restyle',
  contract: restyleSlice,
  migrations: [restyleTables],
  setup(ctx) {
    const quota = ctx.service('quota');
    const cost = ctx.service('cost');
    const thumbs = ctx.services.thumbRefs;
    const cache = new ContentCache(ctx.db, ctx.paths.restyleCache, ctx.clock.now);
    const styles = new StyleStore({
      db: ctx.db,
      now: ctx.clock.now,
      samples: (id) =>
        cache.latestFiles(id, SAMPLES_PER_STYLE).flatMap((file) => {
          const ref = thumbs?.refFor(file);
          return ref ? [ref] : [];
        }),
      onChange: (id, reason) => ctx.events.emit('styles.changed', { id, reason }),
    });
    // One client per key; the SDK is loaded on first use (it is large and most runs never call it).
    const clients = new Map<string, Promise<GoogleGenAI>>();
    const client = (secret: string): Promise<GoogleGenAI> => {
      let c = clients.get(secret);
      if (!c) {
        c = import('@google/genai').then(
          ({ GoogleGenAI }) =>
            new GoogleGenAI({
              apiKey: secret,
              httpOptions: {
                ...(ctx.env.geminiBaseUrl && { baseUrl: ctx.env.geminiBaseUrl }),
                retryOptions: { attempts: 1 },
              },
            }),
        );
        clients.set(secret, c);
      }
      return c;
    };
    const operation = restyleOperation({
      styles,
      quota,
      cost,
      cache,
      client,
      timeoutMs: () => ctx.settings.get().geminiTimeoutSeconds * 1000,
      now: ctx.clock.now,
      version: ctx.env.version,
    });
    // A higher cap lets items waiting for it go on at once; a new margin changes how many run.
    let cap = ctx.settings.get().dailyCostCapUsd;
    const off = ctx.events.subscribe(
      (e) => {
        if (e.name !== 'settings.changed') return;
        if (e.payload.dailyCostCapUsd > cap) ctx.jobs.wake(WAIT_COST_CAP);
        cap = e.payload.dailyCostCapUsd;
        ctx.jobs.resources.changed();
      },
      ['settings.changed'],
    );
    const offKeys = ctx.events.subscribe(() => ctx.jobs.resources.changed(), ['keys.changed']);
    return {
      handlers: {
        'styles.list': () => styles.list(),
        'styles.get': ({ id }) => styles.get(id),
        'styles.create': ({ id, style }) => styles.create(style, id),
        'styles.update': ({ id, style }) => styles.update(id, style),
        'styles.duplicate': ({ id, newId, name }) => styles.duplicate(id, newId, name),
        'styles.remove': ({ id }) => ({ removed: styles.remove(id) }),
        'styles.preview': (input) => {
          const problems: string[] = [];
          const s = 'id' in input ? styles.get(input.id) : input.draft;
          const size = sizeProblem(s.model, s.imageSize);
          if (size) problems.push(size);
          return {
            prompt: s.prompt,
            model: s.model,
            generationConfig: generationConfig(s, null),
            usdPerImage: cost.price(s.model, s.imageSize).usdPerImage,
            problems,
          };
        },
        'restyle.estimate': (input, { signal }) =>
          estimateRestyle({ styles, quota, cost, cache, settings: () => ctx.settings.get() }, input, signal),
      },
      operations: [operation],
      resources: [
        { prefix: 'gemini:', concurrency: (name) => quota.capacity(name.slice('gemini:'.length)).inFlight },
      ],
      close() {
        off();
        offKeys();
      },
    };
  },
  cli: registerRestyleCommands,
});
