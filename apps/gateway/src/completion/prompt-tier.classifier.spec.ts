import type { ChatRequest } from '@switchyard/contracts';
import { classifyPrompt } from './prompt-tier.classifier';

const ask = (content: string, overrides: Partial<ChatRequest> = {}): ChatRequest => ({ model: 'auto', messages: [{ role: 'user', content }], ...overrides });
const tierOf = (content: string, overrides: Partial<ChatRequest> = {}) => classifyPrompt(ask(content, overrides)).tier;

describe('classifyPrompt', () => {
  it('a one-line greeting or a short factual question is simple', () => {
    expect(tierOf('Hi there! How are you?')).toBe('simple');
    expect(tierOf('What is the capital of France?')).toBe('simple');
    expect(tierOf('Prices went from $5 to $10 this year, right?')).toBe('simple');
  });

  it('a multi-step proof is reasoning, as is an explicit reasoning parameter or step-by-step math', () => {
    const proof = [
      'Prove that the square root of 2 is irrational.',
      '1. Assume sqrt(2) = p/q in lowest terms.',
      '2. Square both sides and show p is even.',
      '3. Show q is even too, a contradiction.',
    ].join('\n');
    expect(tierOf(proof)).toBe('reasoning');
    expect(tierOf('Show that the sum of two odd numbers is even.')).toBe('reasoning');
    expect(tierOf('Solve x^2 - 5x + 6 = 0 step by step.')).toBe('reasoning');
    expect(tierOf('Plan my week.', { reasoning_effort: 'high' })).toBe('reasoning');
    expect(tierOf('Plan my week.', { reasoning_effort: 'low' })).toBe('simple');
  });

  it('a code snippet to explain, or a request with tools, is medium', () => {
    expect(tierOf('What does this do?\n```js\nconst x = [1, 2, 3].map((n) => n * 2);\n```')).toBe('medium');
    expect(tierOf('Weather in Paris?', { tools: [{ type: 'function', function: { name: 'get_weather' } }] })).toBe('medium');
  });

  it('a long multi-file coding task is complex', () => {
    const file = (name: string) => `\`\`\`ts\n// ${name}\n${'export function handler(input: string): string {\n  return input.trim();\n}\n'.repeat(20)}\`\`\``;
    const task = `Refactor these modules into one service, then add tests, finally update the docs.\n${file('a.ts')}\n${file('b.ts')}`;
    const result = classifyPrompt(ask(task));
    expect(result.features).toMatchObject({ code: true, codeBlocks: 2, multiStep: true });
    expect(result.tier).toBe('complex');
  });

  it('stays cheap on a huge prompt (only the start and the end are scanned)', () => {
    const huge = ask(`${'lorem ipsum dolor sit amet '.repeat(40_000)} prove that this terminates`);
    const started = performance.now();
    const result = classifyPrompt(huge);
    expect(performance.now() - started).toBeLessThan(50);
    expect(result.features.characters).toBeGreaterThan(1_000_000);
    expect(result.tier).toBe('reasoning');
  });
});
