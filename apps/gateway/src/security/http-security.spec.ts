import { isCrossOriginApiPath } from './http-security.module';

describe('isCrossOriginApiPath', () => {
  it.each(['/v1/chat/completions', '/v1/models?x=1', '/api/v1/chat/completions', '/api/v1/credits', '/anthropic/v1/messages', '/v1beta/models/x:generateContent'])('%s may be called from any origin', (path) => {
    expect(isCrossOriginApiPath(path)).toBe(true);
  });

  it.each(['/api/v1/auth/siwe/verify', '/api/v1/auth/refresh', '/api/v1/admin/workspaces', '/dashboard/', '/', '/mcp', '/openai/v1/responses'])('%s is same-origin only', (path) => {
    expect(isCrossOriginApiPath(path)).toBe(false);
  });
});
