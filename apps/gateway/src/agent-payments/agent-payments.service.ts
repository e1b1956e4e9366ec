import { randomBytes, randomInt } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { PaymentRejectionReason } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { baseUnitsToMicros, type TokenAsset } from '@switchyard/money';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Hex } from 'viem';
import type { AuthenticatedKey } from '../auth/api-key-auth.service';
import { GATEWAY_ENV, type GatewayEnv } from '../config/gateway.env';
import { viem } from '../wallets/viem';
import { AgentPaymentsLedgerClient } from './agent-payments-ledger.client';
import { ChainPaymentsClient } from './chain-payments.client';
import { PayerWorkspacesRepository } from './payer-workspaces.repository';
import { chargeBaseUnits, splitPayment } from './payment-amount';
import { paymentAsset } from './payment-asset';
import { authorizationValues, bodyDigest, readPaymentAuthorization } from './payment-auth.codec';
import { balanceMessage, type ChargeTerms, checkCredential, type CredentialCheck, encodeReceipt, issueChallenge, problemBody, type ProblemType } from './payment-challenge';
import { PaymentReplayStore } from './payment-replay.store';
import { encodeX402Header, type X402Offer, x402PaymentRequired } from './x402-offer';

type PaymentRequest = Pick<FastifyRequest, 'headers' | 'body'> & Partial<Pick<FastifyRequest, 'url' | 'protocol'>> & { raw: Pick<FastifyRequest['raw'], 'rawHeaders'> };
type AcceptedCheck = Extract<CredentialCheck, { ok: true }>;

/** Amount reservations tried before a challenge goes out with a possibly shared amount (logged). */
const AMOUNT_RESERVE_ATTEMPTS = 5;
/** Extra life of Redis claims beyond the windows they guard. */
const CLAIM_MARGIN_MS = 60_000;

interface Failure {
  problem: ProblemType;
  detail: string;
}

const INSUFFICIENT: ReadonlySet<PaymentRejectionReason> = new Set(['amount_too_low', 'amount_mismatch']);

/**
 * Agent pay-per-request (HTTP 402, MPP `evm`/`charge`, DESIGN.md §5). `challenge()` answers 402 for a request
 * without credentials; `authenticate()` turns `Authorization: Payment …` into the payer workspace's key after the
 * chain-watcher settled the payment and the ledger booked it (crypto asset → payer credit). The request then runs
 * exactly like an API-key request of that workspace (hold, provider, capture); the excess stays as its balance.
 */
@Injectable()
export class AgentPaymentsService {
  private readonly logger = new Logger(AgentPaymentsService.name);
  private readonly terms?: ChargeTerms;
  private readonly asset?: TokenAsset;
  private readonly x402?: X402Offer;
  /** Why a presented credential failed, for the fresh challenge the pipeline asks for next. */
  private readonly failures = new WeakMap<object, Failure>();

  constructor(
    private readonly replay: PaymentReplayStore,
    private readonly chain: ChainPaymentsClient,
    private readonly ledger: AgentPaymentsLedgerClient,
    private readonly payers: PayerWorkspacesRepository,
    @Inject(GATEWAY_ENV) private readonly env: GatewayEnv,
  ) {
    if (!env.AGENT_PAYMENTS_ENABLED) return;
    if (!env.AGENT_PAYMENTS_SECRET || !env.AGENT_PAYMENTS_RECIPIENT) {
      throw new Error('AGENT_PAYMENTS_ENABLED needs AGENT_PAYMENTS_SECRET and AGENT_PAYMENTS_RECIPIENT');
    }
    const { getAddress } = viem();
    this.asset = paymentAsset(env);
    this.terms = {
      realm: env.AGENT_PAYMENTS_REALM,
      chainId: this.asset.chainId,
      currency: this.asset.tokenAddress,
      decimals: this.asset.decimals,
      recipient: getAddress(env.AGENT_PAYMENTS_RECIPIENT),
      symbol: this.asset.symbol,
    };
    if (env.AGENT_PAYMENTS_X402_ASSET) {
      this.x402 = {
        chainId: env.AGENT_PAYMENTS_CHAIN_ID,
        asset: getAddress(env.AGENT_PAYMENTS_X402_ASSET),
        payTo: getAddress(env.AGENT_PAYMENTS_X402_PAY_TO ?? env.AGENT_PAYMENTS_RECIPIENT),
        decimals: env.AGENT_PAYMENTS_X402_DECIMALS,
        domainName: env.AGENT_PAYMENTS_X402_DOMAIN_NAME,
        domainVersion: env.AGENT_PAYMENTS_X402_DOMAIN_VERSION,
      };
    }
  }

  get enabled(): boolean {
    return this.terms !== undefined;
  }

  /** The request carries an `Authorization: Payment` credential (well-formed or not). */
  presentsPayment(httpRequest: PaymentRequest): boolean {
    const read = readPaymentAuthorization(authorizationValues(httpRequest.raw.rawHeaders));
    return read.kind === 'payment' || read.kind === 'malformed';
  }

  /**
   * Answers 402 with a fresh challenge for `worstCaseMicros` (the hold the request would need), carrying the reason
   * the last credential of this request failed, if any; then throws so the caller stops. Never returns.
   */
  async challenge(httpRequest: PaymentRequest, reply: FastifyReply, worstCaseMicros: bigint): Promise<never> {
    const terms = this.terms;
    const asset = this.asset;
    if (!terms || !asset || !this.env.AGENT_PAYMENTS_SECRET) throw new AppError('unauthenticated', 'Missing API key. Pass it as "Authorization: Bearer <key>".');
    const ttlMs = this.env.AGENT_PAYMENTS_CHALLENGE_TTL_MS;
    let amountBaseUnits = 0n;
    for (let attempt = 1; ; attempt++) {
      const tag = BigInt(randomInt(1, this.env.AGENT_PAYMENTS_AMOUNT_TAG_SPAN + 1));
      amountBaseUnits = chargeBaseUnits(worstCaseMicros, this.env.AGENT_PAYMENTS_FEE_BASIS_POINTS, asset, tag);
      if (await this.replay.reserveAmount(terms.chainId, amountBaseUnits, ttlMs + CLAIM_MARGIN_MS)) break;
      if (attempt >= AMOUNT_RESERVE_ATTEMPTS) {
        this.logger.warn({ amountBaseUnits: amountBaseUnits.toString() }, 'agent payment amount shared with another open challenge');
        break;
      }
    }
    const issued = issueChallenge(
      terms,
      { amountBaseUnits, digest: bodyDigest(httpRequest.body), nowMs: Date.now(), ttlMs, externalId: `req_${randomBytes(12).toString('base64url')}`, description: 'switchyard request', worstCaseMicros },
      this.env.AGENT_PAYMENTS_SECRET,
    );
    const failure = this.failures.get(httpRequest) ?? { problem: 'payment-required' as const, detail: 'This request needs a payment (or an API key).' };
    const body = problemBody(failure.problem, failure.detail, issued, terms);
    reply.code(402).header('WWW-Authenticate', issued.header).header('Cache-Control', 'no-store').header('Content-Type', 'application/problem+json');
    if (this.x402) {
      const host = typeof httpRequest.headers.host === 'string' ? httpRequest.headers.host : terms.realm;
      const offer = x402PaymentRequired(this.x402, {
        worstCaseMicros,
        feeBasisPoints: this.env.AGENT_PAYMENTS_FEE_BASIS_POINTS,
        resourceUrl: `${httpRequest.protocol ?? 'https'}://${host}${httpRequest.url ?? '/'}`,
        description: 'switchyard request',
        maxTimeoutSeconds: Math.ceil(ttlMs / 1000),
      });
      reply.header('PAYMENT-REQUIRED', encodeX402Header(offer));
    }
    reply.send(JSON.stringify(body));
    await reply; // sent before the error filter runs, which then leaves the reply alone
    throw new AppError('payment_required', body.detail);
  }

  /**
   * `Authorization: Payment <credential>` → the payer workspace's key, with `Payment-Receipt` set on the reply.
   * undefined when there is no Payment credential, or when it failed (the reason is kept for `challenge()`).
   * Ledger or chain-watcher outages throw 503 and leave the credential usable for a retry.
   */
  async authenticate(httpRequest: PaymentRequest, reply: FastifyReply): Promise<AuthenticatedKey | undefined> {
    const terms = this.terms;
    const asset = this.asset;
    const secret = this.env.AGENT_PAYMENTS_SECRET;
    if (!terms || !asset || !secret) return undefined;
    const read = readPaymentAuthorization(authorizationValues(httpRequest.raw.rawHeaders));
    if (read.kind === 'none' || read.kind === 'other') return undefined;
    if (read.kind === 'malformed') return this.fail(httpRequest, 'malformed-credential', read.detail);
    const nowMs = Date.now();
    // Expired challenges still get their on-chain payment booked (to the payer's balance), never served.
    const check = checkCredential(read.credential, { terms, secret, nowMs, digest: bodyDigest(httpRequest.body), allowExpired: true });
    if (!check.ok) return this.fail(httpRequest, check.problem, check.detail);
    if (check.proof.type === 'balance') return this.fromBalance(httpRequest, reply, check, check.proof.signature);
    const expiredAt = check.expired ? `The challenge expired at ${new Date(check.expiresAtMs).toISOString()}` : undefined;

    const waitMs = this.env.AGENT_PAYMENTS_SETTLE_WAIT_MS;
    const claim = await this.replay.claimChallenge(check.challengeId, waitMs + CLAIM_MARGIN_MS);
    if (claim === 'settled') return this.fail(httpRequest, 'invalid-challenge', 'This challenge was already paid and used; pay the fresh one.');
    if (claim === 'in_use') return this.fail(httpRequest, 'invalid-challenge', 'A credential for this challenge is being settled right now.');
    const proof = check.proof;
    const txHash = proof.type === 'transaction' ? viem().keccak256(proof.signedTransaction as Hex) : proof.txHash;
    try {
      // Before broadcasting: nobody who sees it in the mempool can present it for another challenge.
      const proofClaim = await this.replay.claimProof(terms.chainId, txHash, check.challengeId, 2 * this.env.AGENT_PAYMENTS_CHALLENGE_TTL_MS + waitMs + CLAIM_MARGIN_MS);
      if (proofClaim === 'taken') {
        await this.replay.releaseChallenge(check.challengeId);
        return this.fail(httpRequest, 'verification-failed', 'This transaction was already presented for another challenge.');
      }
      const result = await this.chain.settle({
        proof,
        chainId: terms.chainId,
        token: terms.currency,
        recipient: terms.recipient,
        amountBaseUnits: check.amountBaseUnits.toString(),
        notBeforeUnixSeconds: check.issuedAtSeconds,
        source: check.source,
        finality: this.env.AGENT_PAYMENTS_FINALITY,
        waitMs,
        // A signed transfer for an expired challenge is never sent by us (the agent keeps its money).
        broadcast: !check.expired,
      });
      if (result.status === 'pending') {
        await this.replay.releaseChallenge(check.challengeId);
        if (expiredAt) return this.fail(httpRequest, 'payment-expired', `${expiredAt}. Transaction ${result.txHash} is not final yet; present the same credential again later and it is credited to your balance.`);
        return this.fail(httpRequest, 'verification-failed', `Transaction ${result.txHash} is not final yet; retry with the same credential.`);
      }
      if (result.status === 'rejected') {
        await this.replay.releaseProof(terms.chainId, txHash, check.challengeId);
        await this.replay.releaseChallenge(check.challengeId);
        if (expiredAt && proof.type === 'transaction' && result.reason === 'not_found') return this.fail(httpRequest, 'payment-expired', `${expiredAt}; your signed transfer was not broadcast. Pay the fresh one.`);
        return this.fail(httpRequest, INSUFFICIENT.has(result.reason) ? 'payment-insufficient' : 'verification-failed', `${result.reason}: ${result.detail}`);
      }
      const payment = { ...result.payment, amountBaseUnits: BigInt(result.payment.amountBaseUnits) };
      const payer = await this.payers.ensure(terms.chainId, viem().getAddress(payment.from));
      await this.ledger.openAccounts(payer.workspaceId);
      const booked = await this.ledger.book(payer.workspaceId, payment, splitPayment(payment.amountBaseUnits, this.env.AGENT_PAYMENTS_FEE_BASIS_POINTS, asset), check.challengeId);
      if (booked === 'exists' && proofClaim === 'claimed') {
        // Booked before under another challenge and our replay state was lost: the ledger's journal says "once".
        await this.replay.releaseChallenge(check.challengeId);
        return this.fail(httpRequest, 'verification-failed', 'This payment was already used.');
      }
      await this.replay.markSettled(check.challengeId, Math.max(0, check.expiresAtMs - nowMs) + this.env.AGENT_PAYMENTS_CHALLENGE_TTL_MS + waitMs + CLAIM_MARGIN_MS);
      await this.replay.touchPayer(terms.chainId, payment.from, this.env.AGENT_PAYMENTS_REFUND_IDLE_MS);
      if (expiredAt) {
        // A late payment: booked to the payer's balance (spendable with a `balance` credential, refundable), not served.
        this.logger.log({ challengeId: check.challengeId, workspaceId: payer.workspaceId, txHash: payment.txHash, amountBaseUnits: payment.amountBaseUnits.toString(), booked }, 'late agent payment booked to the payer balance');
        return this.fail(
          httpRequest,
          'payment-expired',
          `${expiredAt}. Your payment ${payment.txHash} of ${viem().formatUnits(payment.amountBaseUnits, asset.decimals)} ${asset.symbol} was credited to the balance of ${viem().getAddress(payment.from)}: ` +
            'pay the fresh challenge from it with a "balance" credential, or ask for a refund.',
        );
      }
      // A valid payment that policy rejects: 403 without a challenge (the amount stays credited to the address).
      if (payer.revoked) throw new AppError('forbidden', 'Requests paid from this address are not accepted here; the payment was credited to its balance.');
      this.logger.log({ challengeId: check.challengeId, workspaceId: payer.workspaceId, txHash: payment.txHash, amountBaseUnits: payment.amountBaseUnits.toString(), booked }, 'agent payment booked');
      reply
        .header('Payment-Receipt', encodeReceipt({ challengeId: check.challengeId, reference: payment.txHash, timestampMs: Date.now(), chainId: terms.chainId, externalId: check.externalId }))
        .header('Cache-Control', 'private');
      return { apiKeyId: payer.apiKeyId, workspaceId: payer.workspaceId };
    } catch (error) {
      // Outage mid-way: nothing final happened to the challenge, so the same credential can be retried.
      await this.replay.releaseChallenge(check.challengeId).catch(() => undefined);
      throw error;
    }
  }

  /**
   * A `balance` credential: the `source` address signed balanceMessage(realm, challenge id) (EIP-191), and its payer
   * workspace's available balance covers the challenge's worst case. Nothing moves on chain; the request then holds
   * and captures on that workspace like any other. Single use like every challenge.
   */
  private async fromBalance(httpRequest: PaymentRequest, reply: FastifyReply, check: AcceptedCheck, signature: string): Promise<AuthenticatedKey | undefined> {
    const terms = this.terms!;
    const asset = this.asset!;
    const address = viem().getAddress(check.source!);
    let signer: string;
    try {
      signer = await viem().recoverMessageAddress({ message: balanceMessage(terms.realm, check.challengeId), signature: signature as Hex });
    } catch {
      return this.fail(httpRequest, 'verification-failed', 'The balance signature cannot be recovered.');
    }
    if (!viem().isAddressEqual(signer as Hex, address)) return this.fail(httpRequest, 'verification-failed', 'The balance signature is not from the credential source.');
    const claim = await this.replay.claimChallenge(check.challengeId, Math.max(0, check.expiresAtMs - Date.now()) + CLAIM_MARGIN_MS);
    if (claim === 'settled') return this.fail(httpRequest, 'invalid-challenge', 'This challenge was already paid and used; pay the fresh one.');
    if (claim === 'in_use') return this.fail(httpRequest, 'invalid-challenge', 'A credential for this challenge is being settled right now.');
    try {
      const identity = this.payers.identity(terms.chainId, address);
      const required = check.worstCaseMicros ?? baseUnitsToMicros(check.amountBaseUnits, asset, 'ceil');
      const available = await this.ledger.availableMicros(identity.workspaceId);
      if (available < required) {
        await this.replay.releaseChallenge(check.challengeId);
        return this.fail(httpRequest, 'payment-insufficient', `The balance of ${address} is ${available} micro-USD; this request needs up to ${required}. Pay on chain instead.`);
      }
      const payer = await this.payers.ensure(terms.chainId, address);
      await this.replay.markSettled(check.challengeId, Math.max(0, check.expiresAtMs - Date.now()) + CLAIM_MARGIN_MS);
      await this.replay.touchPayer(terms.chainId, address, this.env.AGENT_PAYMENTS_REFUND_IDLE_MS);
      if (payer.revoked) throw new AppError('forbidden', 'Requests paid from this address are not accepted here.');
      this.logger.log({ challengeId: check.challengeId, workspaceId: payer.workspaceId, availableMicros: available.toString(), requiredMicros: required.toString() }, 'agent request paid from balance');
      reply
        .header('Payment-Receipt', encodeReceipt({ challengeId: check.challengeId, reference: `balance:did:pkh:eip155:${terms.chainId}:${address}`, timestampMs: Date.now(), chainId: terms.chainId, externalId: check.externalId }))
        .header('Cache-Control', 'private');
      return { apiKeyId: payer.apiKeyId, workspaceId: payer.workspaceId };
    } catch (error) {
      if (!(error instanceof AppError && error.code === 'forbidden')) await this.replay.releaseChallenge(check.challengeId).catch(() => undefined);
      throw error;
    }
  }

  private fail(httpRequest: PaymentRequest, problem: ProblemType, detail: string): undefined {
    this.failures.set(httpRequest, { problem, detail });
    return undefined;
  }
}
