import type { ChatRequest, ContentPart } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';

export interface RequestLimits {
  messagesMax: number;
  imageBytesMax: number;
}

/** A URL in a request that someone (the gateway or a provider) would fetch for the user. */
export interface UserMediaUrl {
  url: string;
  param: string;
}

/** Throws a 400 when a chat request (any surface, in canonical form) has too many messages or too large an inline image. */
export function checkRequestLimits(request: ChatRequest, limits: RequestLimits): void {
  if (request.messages.length > limits.messagesMax) {
    throw new AppError('invalid_request', `The request has ${request.messages.length} messages; this gateway accepts at most ${limits.messagesMax}.`, { param: 'messages' });
  }
  request.messages.forEach((message, index) => {
    for (const part of contentParts(message.content)) {
      if (part.type !== 'image_url') continue;
      const bytes = inlineBytes(part.image_url.url);
      if (bytes > limits.imageBytesMax) {
        throw new AppError('invalid_request', `An inline image is ${bytes} bytes; the limit is ${limits.imageBytesMax} bytes.`, { param: `messages[${index}].content` });
      }
    }
  });
}

/** The http(s) URLs of images and files, which must pass the SSRF guard (`gs://` and the like name no host of ours). */
export function userMediaUrls(request: ChatRequest): UserMediaUrl[] {
  const urls: UserMediaUrl[] = [];
  request.messages.forEach((message, index) => {
    for (const part of contentParts(message.content)) {
      const url = part.type === 'image_url' ? part.image_url.url : part.type === 'file' ? part.file.file_data : undefined;
      if (url !== undefined && /^https?:/i.test(url)) urls.push({ url, param: `messages[${index}].content` });
    }
  });
  return urls;
}

function contentParts(content: string | ContentPart[] | null | undefined): ContentPart[] {
  return Array.isArray(content) ? content : [];
}

/** Decoded size of a base64 data URI (0 for anything else). */
function inlineBytes(url: string): number {
  if (!url.startsWith('data:')) return 0;
  const comma = url.indexOf(',');
  if (comma < 0) return 0;
  const encoded = url.length - comma - 1;
  if (!/;base64$/i.test(url.slice(0, comma))) return encoded;
  const padding = url.endsWith('==') ? 2 : url.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((encoded * 3) / 4) - padding);
}
