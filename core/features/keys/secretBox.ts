import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { RpcError } from '../../contract/errors.js';

/**
 * Encrypts API keys at rest. The desktop shell implements it with Electron's safeStorage (the OS
 * keychain); headless hosts use `FileSecretBox`.
 */
export interface SecretBox {
  readonly kind: string;
  encrypt(plain: string): Buffer;
  decrypt(blob: Buffer): string;
}

/**
 * AES-256-GCM with a random key in a file only its owner can read (mode 0600), created once.
 * Blob layout: 12-byte IV, 16-byte tag, ciphertext.
 */
export class FileSecretBox implements SecretBox {
  readonly kind = 'aes-256-gcm key file';
  private readonly key: Buffer;

  constructor(keyFile: string) {
    this.key = FileSecretBox.loadOrCreate(keyFile);
  }

  private static loadOrCreate(file: string): Buffer {
    try {
      const fd = openSync(file, 'wx', 0o600);
      const key = randomBytes(32);
      writeSync(fd, key);
      closeSync(fd);
      return key;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const key = readFileSync(file);
    if (key.length !== 32)
      throw new RpcError(
        'INTERNAL',
        `The secret key file ${file} is damaged; saved API keys cannot be read. Remove it and add the keys again.`,
      );
    return key;
  }

  encrypt(plain: string): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  decrypt(blob: Buffer): string {
    const decipher = createDecipheriv('aes-256-gcm', this.key, blob.subarray(0, 12));
    decipher.setAuthTag(blob.subarray(12, 28));
    return Buffer.concat([decipher.update(blob.subarray(28)), decipher.final()]).toString('utf8');
  }
}
