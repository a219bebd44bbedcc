import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { RpcError } from '../../contract/errors.js';

/**
 * Encrypts API keys at rest. The desktop shell implements it with Electron's safeStorage (the OS
 * keychain); headless hosts use `FileSecretBox`.
 */
export interface SecretBox {
  readonly kind: string;
  /** Why this box is used rather than the OS keychain (shown in About), or null. */
  readonly notice?: string | null;
  encrypt(plain: string): Buffer;
  decrypt(blob: Buffer): string;
}

/**
 * AES-256-GCM with a random key in a file only its owner can read (mode 0600), created once.
 * Blob layout: 12-byte IV, 16-byte tag, ciphertext. The file is read on first use, never at
 * startup: a damaged or lost key file affects only API keys, never a convert or an enhance.
 */
export class FileSecretBox implements SecretBox {
  readonly kind = 'aes-256-gcm key file';
  private key: Buffer | null = null;

  /** `notice`: why this box is used instead of the OS keychain, shown in About. */
  constructor(
    private readonly keyFile: string,
    readonly notice: string | null = null,
  ) {}

  private loadOrCreate(): Buffer {
    if (this.key) return this.key;
    const file = this.keyFile;
    try {
      const fd = openSync(file, 'wx', 0o600);
      const key = randomBytes(32);
      writeSync(fd, key);
      closeSync(fd);
      this.key = key;
      return key;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const key = readFileSync(file);
    if (key.length !== 32) {
      throw new RpcError(
        'INVALID_STATE',
        `The secret key file ${file} is damaged (${key.length} bytes, not 32), so saved API keys cannot be ` +
          'read. Delete that file, then add your keys again (Keys & usage, or `pixelsmith keys add`); ' +
          'nothing else is affected.',
      );
    }
    this.key = key;
    return key;
  }

  encrypt(plain: string): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.loadOrCreate(), iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  decrypt(blob: Buffer): string {
    const decipher = createDecipheriv('aes-256-gcm', this.loadOrCreate(), blob.subarray(0, 12));
    decipher.setAuthTag(blob.subarray(12, 28));
    try {
      return Buffer.concat([decipher.update(blob.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      throw new RpcError(
        'INVALID_STATE',
        `A saved API key cannot be decrypted with ${this.keyFile}: the key file was lost or replaced since it ` +
          'was saved. Remove that key and add it again.',
      );
    }
  }
}
