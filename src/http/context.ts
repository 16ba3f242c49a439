import type { Vault } from '../library/vault.js';

/** What route handlers need: the vault, and how the server was started. */
export interface ApiContext {
  vault: Vault;
  startedAt: string;
}
