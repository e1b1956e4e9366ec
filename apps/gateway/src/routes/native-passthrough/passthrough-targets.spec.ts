import { passthroughUrl } from './passthrough-targets';

describe('passthroughUrl', () => {
  it('does not repeat a version segment that ends the base URL', () => {
    expect(passthroughUrl('https://api.openai.com/v1', 'v1/responses', '')).toBe('https://api.openai.com/v1/responses');
    expect(passthroughUrl('https://api.groq.com/openai/v1', 'v1/models', '')).toBe('https://api.groq.com/openai/v1/models');
  });

  it('appends to a bare origin, keeping Gemini method suffixes and the query', () => {
    expect(passthroughUrl('https://api.anthropic.com', 'v1/messages/batches', '')).toBe('https://api.anthropic.com/v1/messages/batches');
    expect(passthroughUrl('https://generativelanguage.googleapis.com', 'v1beta/models/gemini-2.5-flash:streamGenerateContent', '?alt=sse')).toBe(
      'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
    );
  });

  it('encodes segments so they stay segments', () => {
    expect(passthroughUrl('https://x.example/v1', 'files/a b', '')).toBe('https://x.example/v1/files/a%20b');
  });
});
