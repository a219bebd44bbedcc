import { randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { RpcError } from '../../contract/errors.js';
import type { KeyInfo } from '../../contract/keys.js';
import { createApiKeysRepo, type ApiKeyRow, type ApiKeysRepo } from './apiKeysRepo.js';
import type { SecretBox } from './secretBox.js';

export interface KeyStoreOptions {
  db: Database;
  secrets: SecretBox;
  /** The `api_keys` repo, shared with the quota manager (default: its own). */
  apiKeys?: ApiKeysRepo;
  /** Gemini API base URL (tests point it at the wire-level fake). */
  baseUrl?: string | undefined;
  now?: () => number;
  onChange?: (reason: string) => void;
}

const toInfo = (k: ApiKeyRow): KeyInfo => ({
  id: k.id,
  label: k.label,
  project: k.project,
  tier: k.tier as KeyInfo['tier'],
  masked: `…${k.last4}`,
  createdAt: k.createdAt,
  disabledReason: k.disabledReason,
  circuitOpenUntil: k.circuitOpenUntil,
  consecutiveFailures: k.consecutiveFailures,
  lastCheck: k.lastCheck,
});

/**
 * The user's Gemini API keys. Secrets are encrypted by the SecretBox before they reach the
 * database and decrypted only to make a call; everything that leaves core shows the last four
 * characters at most.
 */
export class KeyStore {
  private readonly repo;
  private readonly now: () => number;

  constructor(private readonly o: KeyStoreOptions) {
    this.repo = o.apiKeys ?? createApiKeysRepo(o.db);
    this.now = o.now ?? Date.now;
  }

  private decryptable(blob: Buffer): string | null {
    try {
      return this.o.secrets.decrypt(blob);
    } catch {
      return null;
    }
  }

  list(): KeyInfo[] {
    return this.repo.list().map(toInfo);
  }

  add(input: { label: string; project: string; tier: KeyInfo['tier']; secret: string }): KeyInfo {
    const secret = input.secret.trim();
    const keys = this.repo.list();
    const sameLabel = keys.find((k) => k.label.toLowerCase() === input.label.toLowerCase());
    if (sameLabel) {
      throw new RpcError(
        'INVALID_INPUT',
        `A key is already labelled "${sameLabel.label}"; give this one another label.`,
      );
    }
    // A key that can no longer be decrypted (its key file was replaced) cannot be this one.
    const duplicate = keys.find((k) => this.decryptable(k.secret) === secret);
    if (duplicate) throw new RpcError('INVALID_INPUT', `That key is already saved as "${duplicate.label}".`);
    const id = randomUUID();
    this.repo.insert({
      id,
      label: input.label,
      project: input.project,
      tier: input.tier,
      secret: this.o.secrets.encrypt(secret),
      last4: secret.slice(-4),
      createdAt: this.now(),
    });
    this.o.onChange?.('added');
    return toInfo(this.require(id));
  }

  /**
   * Makes a real `models.list` call with the key; an invalid key is disabled with the reason.
   * The outcome is kept with the key, so the list says which keys are verified.
   */
  async test(id: string): Promise<{ ok: boolean; message: string }> {
    const key = this.require(id);
    const result = await this.check(key);
    this.repo.checked(id, this.now(), result.ok, result.message);
    this.o.onChange?.('tested');
    return result;
  }

  private async check(key: ApiKeyRow): Promise<{ ok: boolean; message: string }> {
    const id = key.id;
    const { GoogleGenAI } = await import('@google/genai');
    const ai = new GoogleGenAI({
      apiKey: this.o.secrets.decrypt(key.secret),
      httpOptions: { ...(this.o.baseUrl && { baseUrl: this.o.baseUrl }), timeout: 15_000 },
    });
    try {
      const pager = await ai.models.list({ config: { pageSize: 5 } });
      const first = pager.page.map((m) => m.name).slice(0, 3);
      return {
        ok: true,
        message: `"${key.label}" works (${first.length > 0 ? `sees ${first.join(', ')}…` : 'no models listed'}).`,
      };
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status === 400 || status === 401 || status === 403) {
        const reason = `Google refused the key (HTTP ${status}) when tested`;
        this.repo.setDisabled(id, reason);
        this.o.onChange?.('disabled');
        return {
          ok: false,
          message: `"${key.label}" (…${key.last4}) was refused by Google (HTTP ${status}); it is now disabled.`,
        };
      }
      return {
        ok: false,
        message: `Could not reach Gemini to test "${key.label}": ${status ? `HTTP ${status}` : (error as Error).message}.`,
      };
    }
  }

  setDisabled(id: string, reason: string | null): KeyInfo {
    this.require(id);
    this.repo.setDisabled(id, reason);
    if (reason === null) this.repo.succeeded(id);
    this.o.onChange?.(reason === null ? 'enabled' : 'disabled');
    return toInfo(this.require(id));
  }

  remove(id: string): boolean {
    this.require(id);
    const removed = this.repo.remove(id);
    this.o.onChange?.('removed');
    return removed;
  }

  private require(id: string): ApiKeyRow {
    const key = this.repo.get(id);
    if (!key) throw new RpcError('NOT_FOUND', `There is no key ${id}.`);
    return key;
  }
}
