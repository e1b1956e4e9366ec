import { AppError } from '@switchyard/errors';

export const GEMINI_ACTIONS = ['generateContent', 'streamGenerateContent', 'countTokens'] as const;
export type GeminiAction = (typeof GEMINI_ACTIONS)[number];

export interface GeminiModelPath {
  /** The model as the client named it, without a `models/` prefix. */
  model: string;
  action: GeminiAction;
}

/**
 * The tail of `/v1beta/models/{model}:{action}`. The model may contain slashes (`openai/gpt-4o-mini`) and colons
 * (`openai/gpt-4o:online`), so the action is what follows the last colon.
 */
export function parseGeminiModelPath(tail: string): GeminiModelPath {
  const colon = tail.lastIndexOf(':');
  const action = tail.slice(colon + 1);
  const model = tail.slice(0, Math.max(colon, 0)).replace(/^models\//, '');
  if (colon < 1 || model === '' || !(GEMINI_ACTIONS as readonly string[]).includes(action)) {
    throw new AppError('not_found', `No such method: expected /v1beta/models/{model}:{${GEMINI_ACTIONS.join('|')}}.`);
  }
  return { model, action: action as GeminiAction };
}

/**
 * A Gemini client's model name → our catalog id: catalog ids (`openai/gpt-4o-mini`, `demo/echo`) pass as they are; a
 * bare Gemini id (`gemini-2.5-flash`) becomes `google/<id>` when the catalog has it; anything else is left for routing
 * to accept (`auto`) or refuse.
 */
export function toCatalogModelId(model: string, catalogHas: (modelId: string) => boolean): string {
  if (model.includes('/')) return model;
  const google = `google/${model}`;
  return catalogHas(google) ? google : model;
}
