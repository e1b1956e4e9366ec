import { AppError } from '@switchyard/errors';
import { parseGeminiModelPath, toCatalogModelId } from './gemini-model-path';

describe('Gemini model path', () => {
  it('splits the model from the action at the last colon; models may hold slashes and colons', () => {
    expect(parseGeminiModelPath('gemini-2.5-flash:generateContent')).toEqual({ model: 'gemini-2.5-flash', action: 'generateContent' });
    expect(parseGeminiModelPath('openai/gpt-4o-mini:streamGenerateContent')).toEqual({ model: 'openai/gpt-4o-mini', action: 'streamGenerateContent' });
    expect(parseGeminiModelPath('openai/gpt-4o:online:countTokens')).toEqual({ model: 'openai/gpt-4o:online', action: 'countTokens' });
    expect(parseGeminiModelPath('models/gemini-2.5-pro:generateContent')).toEqual({ model: 'gemini-2.5-pro', action: 'generateContent' });
  });

  it.each(['gemini-2.5-flash', 'gemini-2.5-flash:embedContent', ':generateContent', 'gemini-2.5-flash:'])('refuses %s as NOT_FOUND', (tail) => {
    expect(() => parseGeminiModelPath(tail)).toThrow(AppError);
    try {
      parseGeminiModelPath(tail);
    } catch (error) {
      expect((error as AppError).code).toBe('not_found');
    }
  });

  it('maps a bare Gemini id to google/<id> when the catalog has it; catalog ids pass as they are', () => {
    const catalog = new Set(['google/gemini-2.5-flash', 'openai/gpt-4o-mini', 'demo/echo']);
    const has = (id: string) => catalog.has(id);
    expect(toCatalogModelId('gemini-2.5-flash', has)).toBe('google/gemini-2.5-flash');
    expect(toCatalogModelId('openai/gpt-4o-mini', has)).toBe('openai/gpt-4o-mini');
    expect(toCatalogModelId('demo/echo', has)).toBe('demo/echo');
    expect(toCatalogModelId('auto', has)).toBe('auto');
    expect(toCatalogModelId('gemini-9-ultra', has)).toBe('gemini-9-ultra');
  });
});
