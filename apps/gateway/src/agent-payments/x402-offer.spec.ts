import { encodeX402Header, x402PaymentRequired } from './x402-offer';

const offer = {
  chainId: 137,
  asset: '0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359',
  payTo: '0x742d35Cc6634C0532925a3b844Bc9e7595f8fE00',
  decimals: 6,
  domainName: 'USD Coin',
  domainVersion: '2',
};

describe('x402 v2 offer (PAYMENT-REQUIRED)', () => {
  it('has the v2 PaymentRequired shape: CAIP-2 network, amount in base units, EIP-712 domain in extra', () => {
    const value = x402PaymentRequired(offer, { worstCaseMicros: 50_000n, feeBasisPoints: 0, resourceUrl: 'https://gw.test/v1/chat/completions', description: 'switchyard request', maxTimeoutSeconds: 300 });
    expect(value).toEqual({
      x402Version: 2,
      error: 'PAYMENT-SIGNATURE header is required',
      resource: { url: 'https://gw.test/v1/chat/completions', description: 'switchyard request', mimeType: 'application/json' },
      accepts: [
        { scheme: 'exact', network: 'eip155:137', amount: '50000', asset: offer.asset, payTo: offer.payTo, maxTimeoutSeconds: 300, extra: { name: 'USD Coin', version: '2' } },
      ],
      extensions: {},
    });
  });

  it('grosses the amount up by the fee and rounds up to the token decimals', () => {
    const value = x402PaymentRequired({ ...offer, decimals: 2 }, { worstCaseMicros: 50_001n, feeBasisPoints: 500, resourceUrl: 'u', description: 'd', maxTimeoutSeconds: 1 });
    // 50 001 µUSD / 0.95 = 52 632 µUSD (ceil) → 6 cents (ceil)
    expect(value.accepts[0].amount).toBe('6');
  });

  it('encodes as standard base64 of the JSON (round trip)', () => {
    const value = x402PaymentRequired(offer, { worstCaseMicros: 1n, feeBasisPoints: 0, resourceUrl: 'u', description: 'd', maxTimeoutSeconds: 1 });
    const header = encodeX402Header(value);
    expect(header).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(JSON.parse(Buffer.from(header, 'base64').toString('utf8'))).toEqual(value);
  });
});
