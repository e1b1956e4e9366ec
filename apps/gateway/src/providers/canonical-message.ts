import type { ContentPart } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';

/** Reading canonical (OpenAI-shaped) messages for providers with other wire shapes. */

/** Flattens a system/developer message to text: providers with a separate system field take no images there. */
export function systemText(content: string | ContentPart[], messageIndex: number): string {
  if (typeof content === 'string') return content;
  return content
    .map((part) => {
      if (part.type !== 'text') throw new AppError('invalid_request', 'System messages may only contain text.', { param: `messages[${messageIndex}].content` });
      return part.text;
    })
    .join('');
}

/** An assistant tool call's JSON arguments as the object providers with structured tool input need. */
export function toolCallArguments(text: string, messageIndex: number): Record<string, unknown> {
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new AppError('invalid_request', 'Tool call arguments must be a JSON object.', { param: `messages[${messageIndex}].tool_calls` });
  }
  return parsed as Record<string, unknown>;
}

/** A completed tool call's arguments as an object, for wires that carry them parsed; anything not a JSON object (a cut-off call) becomes `{}`. */
export function toolArgumentsOrEmpty(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
