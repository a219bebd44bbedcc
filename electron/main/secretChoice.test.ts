import { describe, expect, it } from 'vitest';
import { chooseSecretStorage } from './secretChoice.js';

describe('secret storage on the desktop', () => {
  it("refuses Linux's basic_text backend (a fixed key) and falls back to the key file, saying why", () => {
    expect(chooseSecretStorage({ platform: 'linux', available: true, backend: 'basic_text' })).toMatchObject({
      use: 'file',
      notice: expect.stringMatching(/fixed built-in key/),
    });
    expect(chooseSecretStorage({ platform: 'linux', available: true, backend: 'gnome_libsecret' })).toEqual({
      use: 'keychain',
    });
    expect(chooseSecretStorage({ platform: 'darwin', available: true })).toEqual({ use: 'keychain' });
    expect(chooseSecretStorage({ platform: 'win32', available: false })).toMatchObject({ use: 'file' });
  });
});
