import { safeStorage } from 'electron';
import { fileSecretBox, type SecretBox } from '../../core/app/createCore.js';
import { chooseSecretStorage } from './secretChoice.js';

/**
 * API keys encrypted with the OS keychain (Keychain, DPAPI, libsecret) through Electron — or,
 * where that would be a fixed built-in key, with Pixelsmith's own key file and a notice in About.
 */
export function desktopSecretBox(dataDir: string): SecretBox {
  const choice = chooseSecretStorage({
    platform: process.platform,
    available: safeStorage.isEncryptionAvailable(),
    ...(process.platform === 'linux' && { backend: safeStorage.getSelectedStorageBackend() }),
  });
  if (choice.use === 'file') return fileSecretBox(dataDir, choice.notice);
  return {
    kind: `electron safeStorage (${process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : process.platform})`,
    encrypt: (plain) => safeStorage.encryptString(plain),
    decrypt: (blob) => safeStorage.decryptString(blob),
  };
}
