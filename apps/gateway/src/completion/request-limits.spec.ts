import { ChatRequestSchema } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';
import { checkRequestLimits, userMediaUrls } from './request-limits';

const request = (messages: unknown[]) => ChatRequestSchema.parse({ model: 'demo/echo', messages });
const image = (url: string) => ({ role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url } }] });
const limits = { messagesMax: 3, imageBytesMax: 1_000 };

function refusal(run: () => void): AppError | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return error as AppError;
  }
}

describe('checkRequestLimits', () => {
  it('refuses more messages than the limit, naming the param', () => {
    const error = refusal(() => checkRequestLimits(request(Array.from({ length: 4 }, () => ({ role: 'user', content: 'hi' }))), limits));
    expect(error).toMatchObject({ code: 'invalid_request', param: 'messages' });
    expect(refusal(() => checkRequestLimits(request(Array.from({ length: 3 }, () => ({ role: 'user', content: 'hi' }))), limits))).toBeUndefined();
  });

  it('measures inline images by their decoded size', () => {
    const ofBytes = (bytes: number) => `data:image/png;base64,${Buffer.alloc(bytes).toString('base64')}`;
    expect(refusal(() => checkRequestLimits(request([image(ofBytes(1_000))]), limits))).toBeUndefined();
    expect(refusal(() => checkRequestLimits(request([{ role: 'user', content: 'x' }, image(ofBytes(1_003))]), limits))).toMatchObject({ code: 'invalid_request', param: 'messages[1].content' });
    // URLs are not inline bytes (the SSRF guard judges them).
    expect(refusal(() => checkRequestLimits(request([image(`https://example.com/${'a'.repeat(5_000)}.png`)]), limits))).toBeUndefined();
  });
});

describe('userMediaUrls', () => {
  it('lists http(s) image and file URLs with their param, not data URIs or gs:// URIs', () => {
    const body = request([
      image('data:image/png;base64,AAAA'),
      image('HTTP://10.0.0.1/a.png'),
      { role: 'user', content: [{ type: 'file', file: { file_data: 'https://files.example/a.pdf' } }, { type: 'file', file: { file_data: 'gs://bucket/a.pdf' } }] },
    ]);
    expect(userMediaUrls(body)).toEqual([
      { url: 'HTTP://10.0.0.1/a.png', param: 'messages[1].content' },
      { url: 'https://files.example/a.pdf', param: 'messages[2].content' },
    ]);
  });
});
