import { randomBytes, randomInt } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { PaymentRejectionReason } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import type { TokenAsset } from '@switchyard/money';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { getAddress, type Hex, keccak256 } from 'viem';
import type { AuthenticatedKey } from '../auth/api-key-auth.service';
import { GATEWAY_ENV, type GatewayEnv } from '../config/gateway.env';
import { AgentPaymentsLedgerClient } from './agent-payments-ledger.client';
import { ChainPaymentsClient } from './chain-payments.client';
import { PayerWorkspacesRepository } from './payer-workspaces.repository';
import { chargeBaseUnits, splitPayment } from './payment-amount';
import { authorizationValues, bodyDigest, readPaymentAuthorization } from './payment-auth.codec';
import { type ChargeTerms, checkCredential, encodeReceipt, issueChallenge, problemBody, type ProblemType } from './payment-challenge';
import { PaymentReplayStore } from './payment-replay.store';

type PaymentRequest = Pick<FastifyRequest, 'headers' | 'body'> & { raw: Pick<FastifyRequest['raw'], 'rawHeaders'> };

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
    const currency = getAddress(env.AGENT_PAYMENTS_TOKEN_ADDRESS);
    this.terms = {
      realm: env.AGENT_PAYMENTS_REALM,
      chainId: env.AGENT_PAYMENTS_CHAIN_ID,
      currency,
      decimals: env.AGENT_PAYMENTS_TOKEN_DECIMALS,
      recipient: getAddress(env.AGENT_PAYMENTS_RECIPIENT),
      symbol: env.AGENT_PAYMENTS_TOKEN_SYMBOL,
    };
    this.asset = { chainId: env.AGENT_PAYMENTS_CHAIN_ID, tokenAddress: currency, decimals: env.AGENT_PAYMENTS_TOKEN_DECIMALS, symbol: env.AGENT_PAYMENTS_TOKEN_SYMBOL };
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
      { amountBaseUnits, digest: bodyDigest(httpRequest.body), nowMs: Date.now(), ttlMs, externalId: `req_${randomBytes(12).toString('base64url')}`, description: 'switchyard request' },
      this.env.AGENT_PAYMENTS_SECRET,
    );
    const failure = this.failures.get(httpRequest) ?? { problem: 'payment-required' as const, detail: 'This request needs a payment (or an API key).' };
    const body = problemBody(failure.problem, failure.detail, issued, terms);
    reply.code(402).header('WWW-Authenticate', issued.header).header('Cache-Control', 'no-store').header('Content-Type', 'application/problem+json').send(JSON.stringify(body));
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
    const check = checkCredential(read.credential, { terms, secret, nowMs, digest: bodyDigest(httpRequest.body) });
    if (!check.ok) return this.fail(httpRequest, check.problem, check.detail);

    const waitMs = this.env.AGENT_PAYMENTS_SETTLE_WAIT_MS;
    const claim = await this.replay.claimChallenge(check.challengeId, waitMs + CLAIM_MARGIN_MS);
    if (claim === 'settled') return this.fail(httpRequest, 'invalid-challenge', 'This challenge was already paid and used; pay the fresh one.');
    if (claim === 'in_use') return this.fail(httpRequest, 'invalid-challenge', 'A credential for this challenge is being settled right now.');
    const txHash = check.proof.type === 'transaction' ? keccak256(check.proof.signedTransaction as Hex) : check.proof.txHash;
    try {
      // Before broadcasting: nobody who sees it in the mempool can present it for another challenge.
      const proof = await this.replay.claimProof(terms.chainId, txHash, check.challengeId, 2 * this.env.AGENT_PAYMENTS_CHALLENGE_TTL_MS + waitMs + CLAIM_MARGIN_MS);
      if (proof === 'taken') {
        await this.replay.releaseChallenge(check.challengeId);
        return this.fail(httpRequest, 'verification-failed', 'This transaction was already presented for another challenge.');
      }
      const result = await this.chain.settle({
        proof: check.proof,
        chainId: terms.chainId,
        token: terms.currency,
        recipient: terms.recipient,
        amountBaseUnits: check.amountBaseUnits.toString(),
        notBeforeUnixSeconds: check.issuedAtSeconds,
        source: check.source,
        finality: this.env.AGENT_PAYMENTS_FINALITY,
        waitMs,
      });
      if (result.status === 'pending') {
        await this.replay.releaseChallenge(check.challengeId);
        return this.fail(httpRequest, 'verification-failed', `Transaction ${result.txHash} is not final yet; retry with the same credential.`);
      }
      if (result.status === 'rejected') {
        await this.replay.releaseProof(terms.chainId, txHash, check.challengeId);
        await this.replay.releaseChallenge(check.challengeId);
        return this.fail(httpRequest, INSUFFICIENT.has(result.reason) ? 'payment-insufficient' : 'verification-failed', `${result.reason}: ${result.detail}`);
      }
      const payment = { ...result.payment, amountBaseUnits: BigInt(result.payment.amountBaseUnits) };
      const payer = await this.payers.ensure(terms.chainId, getAddress(payment.from));
      await this.ledger.openAccounts(payer.workspaceId);
      const booked = await this.ledger.book(payer.workspaceId, payment, splitPayment(payment.amountBaseUnits, this.env.AGENT_PAYMENTS_FEE_BASIS_POINTS, asset), check.challengeId);
      if (booked === 'exists' && proof === 'claimed') {
        // Booked before under another challenge and our replay state was lost: the ledger's journal says "once".
        await this.replay.releaseChallenge(check.challengeId);
        return this.fail(httpRequest, 'verification-failed', 'This payment was already used.');
      }
      await this.replay.markSettled(check.challengeId, Math.max(0, check.expiresAtMs - nowMs) + waitMs + CLAIM_MARGIN_MS);
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

  private fail(httpRequest: PaymentRequest, problem: ProblemType, detail: string): undefined {
    this.failures.set(httpRequest, { problem, detail });
    return undefined;
  }
}
