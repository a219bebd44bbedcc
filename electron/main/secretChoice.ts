/**
 * Whether Electron's safeStorage really protects secrets here. On Linux without a keyring it
 * falls back to `basic_text`, a fixed key built into Chromium: encryption anyone can undo. Then
 * Pixelsmith keeps keys in its own 0600 key file instead, and says so.
 */
export function chooseSecretStorage(facts: {
  platform: NodeJS.Platform;
  available: boolean;
  /** `safeStorage.getSelectedStorageBackend()` on Linux. */
  backend?: string;
}): { use: 'keychain' } | { use: 'file'; notice: string } {
  if (!facts.available) {
    return {
      use: 'file',
      notice:
        'This system offers no keychain to Electron; API keys are kept in an encrypted key file only you can read.',
    };
  }
  if (facts.platform === 'linux' && (facts.backend === 'basic_text' || facts.backend === 'unknown')) {
    return {
      use: 'file',
      notice:
        'No keyring (GNOME Keyring, KWallet) is running, so Electron would use a fixed built-in key; ' +
        'API keys are kept in an encrypted key file only you can read instead.',
    };
  }
  return { use: 'keychain' };
}
