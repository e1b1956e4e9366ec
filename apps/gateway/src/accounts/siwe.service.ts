import { Injectable } from '@nestjs/common';
import { AppError } from '@switchyard/errors';
import type { Hex } from 'viem';
import { FailedAuthLimiter } from '../auth/failed-auth.limiter';
import { viem, viemSiwe } from '../wallets/viem';
import { AuthStateStore } from './auth-state.store';

export const SIWE_NONCE_TTL_SECONDS = 300;
/** A signed message must have been issued this recently (and its nonce is single-use and short-lived anyway). */
const ISSUED_AT_SKEW_MS = 10 * 60_000;

/**
 * Sign-In with Ethereum (EIP-4361): single-use nonces, then a signed message that names this gateway's host, a live
 * nonce and a recent time. Signatures are checked by address recovery (EOA wallets; contract wallets (EIP-1271) would
 * need an RPC client and are not accepted yet).
 */
@Injectable()
export class SiweService {
  constructor(
    private readonly state: AuthStateStore,
    private readonly failures: FailedAuthLimiter,
  ) {}

  async nonce(): Promise<{ nonce: string; expiresAt: Date }> {
    const nonce = viemSiwe().generateSiweNonce();
    await this.state.putNonce(nonce, SIWE_NONCE_TTL_SECONDS);
    return { nonce, expiresAt: new Date(Date.now() + SIWE_NONCE_TTL_SECONDS * 1_000) };
  }

  /** The lower-case address that signed, or 401 (counted toward the caller's failed-auth limit). */
  async verify(message: string, signature: string, expectedDomain: string, clientAddress: string | undefined): Promise<string> {
    const fail = async (reason: string) => this.failures.failure(clientAddress, new AppError('unauthenticated', `Sign-in refused: ${reason}`));
    const fields = viemSiwe().parseSiweMessage(message);
    if (!fields.address || !fields.nonce || !fields.domain) throw await fail('not an EIP-4361 message.');
    if (fields.domain !== expectedDomain) throw await fail(`the message is for ${fields.domain}, not ${expectedDomain}.`);
    const now = new Date();
    if (!viemSiwe().validateSiweMessage({ message: fields, domain: expectedDomain, time: now })) throw await fail('the message is expired or not yet valid.');
    if (!fields.issuedAt || Math.abs(now.getTime() - fields.issuedAt.getTime()) > ISSUED_AT_SKEW_MS) throw await fail('issuedAt is missing or not recent.');
    if (!viem().isHex(signature)) throw await fail('the signature is not hex.');
    let valid = false;
    try {
      valid = await viem().verifyMessage({ address: fields.address, message, signature: signature as Hex });
    } catch {
      valid = false;
    }
    if (!valid) throw await fail('the signature does not match the address.');
    // The nonce is consumed only by a valid signature, so nobody can burn another wallet's nonce.
    if (!(await this.state.takeNonce(fields.nonce))) throw await fail('unknown, used or expired nonce; ask for a new one.');
    return fields.address.toLowerCase();
  }
}
