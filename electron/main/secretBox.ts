import { safeStorage } from 'electron';
import type { SecretBox } from '../../core/app/createCore.js';

/** API keys encrypted with the OS keychain (Keychain, DPAPI, libsecret) through Electron. */
export function safeStorageSecretBox(): SecretBox {
  if (!safeStorage.isEncryptionAvailable()) {
    throw new Error(
      'The operating system offers no secret storage (safeStorage); API keys cannot be stored safely.',
    );
  }
  return {
    kind: `electron safeStorage (${process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : process.platform})`,
    encrypt: (plain) => safeStorage.encryptString(plain),
    decrypt: (blob) => safeStorage.decryptString(blob),
  };
}
