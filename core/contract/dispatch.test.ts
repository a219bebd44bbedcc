import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from './schemas.js';
import { dispatch, type Handlers, type Router } from './dispatch.js';
import { RpcError } from './errors.js';
import { METHOD_NAMES, methods } from './methods.js';

const settings = DEFAULT_SETTINGS;
function handlers(overrides: Partial<Handlers> = {}): Router {
  const fail = (): never => {
    throw new Error('not used in this test');
  };
  const unused = Object.fromEntries(METHOD_NAMES.map((name) => [name, fail])) as unknown as Handlers;
  const table: Handlers = {
    ...unused,
    'settings.get': () => settings,
    'settings.set': (patch) => ({ ...settings, ...patch }),
    ...overrides,
  };
  return { methods, handlers: table };
}

describe('dispatch', () => {
  it('parses input, calls the handler and returns its value', async () => {
    expect(await dispatch(handlers(), 'settings.set', { theme: 'dark' })).toEqual({
      ok: true,
      value: { ...settings, theme: 'dark' },
    });
    expect(await dispatch(handlers(), 'settings.get', undefined)).toEqual({ ok: true, value: settings });
  });

  it('answers UNKNOWN_METHOD for names outside the contract, including prototype keys', async () => {
    for (const name of ['nope.nothing', 'toString', '__proto__']) {
      const result = await dispatch(handlers(), name, {});
      expect(result).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
    }
  });

  it('answers INVALID_INPUT with the zod issues summarised and listed', async () => {
    const result = await dispatch(handlers(), 'settings.set', {
      theme: 'purple',
      thumbnailSize: 'big',
      extra: 1,
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('INVALID_INPUT');
    expect(result.error.message).toMatch(/^Invalid input for settings\.set: /);
    expect(result.error.message).toMatch(/theme: /);
    expect(result.error.message).toMatch(/thumbnailSize: /);
    expect(result.error.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: ['theme'] })]),
    );
    const scan = await dispatch(handlers(), 'files.scan', { paths: [] });
    expect(scan).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT', message: expect.stringMatching(/paths: give at least one path/) },
    });
  });

  it('passes RpcErrors through as data and turns other throws into INTERNAL', async () => {
    const coded = await dispatch(
      handlers({
        'settings.get': () => {
          throw new RpcError('NOT_FOUND', 'gone');
        },
      }),
      'settings.get',
      undefined,
    );
    expect(coded).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'gone' } });
    const seen: string[] = [];
    const bug = await dispatch(
      handlers({
        'settings.get': () => {
          throw new TypeError('x is undefined');
        },
      }),
      'settings.get',
      undefined,
      { onUnexpectedError: (name) => seen.push(name) },
    );
    expect(bug).toMatchObject({
      ok: false,
      error: { code: 'INTERNAL', message: expect.stringMatching(/x is undefined/) },
    });
    expect(seen).toEqual(['settings.get']);
  });

  it('refuses a handler result outside the contract', async () => {
    const result = await dispatch(
      handlers({ 'settings.get': () => ({ theme: 'nope' }) as never }),
      'settings.get',
      undefined,
    );
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'INTERNAL', message: expect.stringMatching(/outside its contract/) },
    });
  });

  it('says what is wrong with a job in its own words: the kind, or the options of the kind', async () => {
    const badFormat = await dispatch(handlers(), 'jobs.create', {
      kind: 'convert',
      options: { format: 'bmp' },
      paths: ['/x'],
    });
    expect(badFormat).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT', message: expect.stringMatching(/^Invalid convert options: format: /) },
    });
    const badKind = await dispatch(handlers(), 'jobs.create', { kind: 'teleport', paths: ['/x'] });
    expect(badKind).toMatchObject({
      ok: false,
      error: {
        code: 'INVALID_INPUT',
        message: expect.stringMatching(/^Unknown job kind "teleport".*convert/),
      },
    });
  });

  it("hands the caller's signal to the handler and answers CANCELLED when it aborts", async () => {
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    const pending = dispatch(
      handlers({
        'settings.get': (_input, ctx) => {
          seen = ctx.signal;
          return new Promise((_resolve, reject) =>
            ctx.signal.addEventListener('abort', () => reject(new Error('stopped')), { once: true }),
          );
        },
      }),
      'settings.get',
      undefined,
      { signal: controller.signal },
    );
    controller.abort();
    expect(await pending).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    expect(seen?.aborted).toBe(true);
  });
});
