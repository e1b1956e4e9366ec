import { CanonicalChatRequestSchema, ChatRequestSchema } from './chat-request.schema';

const withContent = (role: string, content: unknown) => ({ model: 'openai/gpt-4o-mini', messages: [{ role, content, ...(role === 'tool' ? { tool_call_id: 't1' } : {}) }] });

describe('ChatRequestSchema: message content', () => {
  it('refuses an empty content array from a caller, as OpenAI does, naming the field', () => {
    for (const role of ['system', 'developer', 'user', 'tool']) {
      const result = ChatRequestSchema.safeParse(withContent(role, []));
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.path.slice(0, 3)).toEqual(['messages', 0, 'content']);
    }
  });

  it('takes a string or at least one part; canonical requests built by the surfaces stay as they were', () => {
    expect(ChatRequestSchema.safeParse(withContent('user', 'hi')).success).toBe(true);
    expect(ChatRequestSchema.safeParse(withContent('user', [{ type: 'text', text: 'hi' }])).success).toBe(true);
    expect(ChatRequestSchema.safeParse(withContent('assistant', [])).success).toBe(true);
    expect(CanonicalChatRequestSchema.safeParse(withContent('user', [])).success).toBe(true);
  });
});
