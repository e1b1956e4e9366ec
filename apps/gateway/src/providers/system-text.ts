import type { ContentPart } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';

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
