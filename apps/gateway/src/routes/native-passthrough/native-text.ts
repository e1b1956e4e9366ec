type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/**
 * The generated text (answer, reasoning, tool arguments) in one native payload — a stream event or a whole answer —
 * of OpenAI Chat, OpenAI Responses, Anthropic Messages or Gemini; '' for anything else. Counted only when a
 * provider reported no usage (or a cut stream's is partial), so the estimate is of what was produced, not of JSON.
 */
export function nativeText(payload: unknown): string {
  if (!isObject(payload)) return '';
  let out = '';
  // OpenAI Chat: choices[].delta (stream) or choices[].message (answer).
  if (Array.isArray(payload.choices)) {
    for (const choice of payload.choices) {
      if (!isObject(choice)) continue;
      const part = isObject(choice.delta) ? choice.delta : isObject(choice.message) ? choice.message : {};
      out += text(part.content) + text(part.reasoning_content) + text(part.reasoning);
      if (Array.isArray(part.tool_calls)) for (const call of part.tool_calls) if (isObject(call) && isObject(call.function)) out += text(call.function.name) + text(call.function.arguments);
    }
  }
  // OpenAI Responses stream: `response.output_text.delta`, `response.function_call_arguments.delta`…
  if (typeof payload.type === 'string' && payload.type.startsWith('response.') && payload.type.endsWith('.delta')) out += text(payload.delta);
  // Anthropic: content_block_delta (stream) or content[] (answer).
  if (isObject(payload.delta) && payload.type === 'content_block_delta') out += text(payload.delta.text) + text(payload.delta.thinking) + text(payload.delta.partial_json);
  if (Array.isArray(payload.content)) {
    for (const block of payload.content) if (isObject(block)) out += text(block.text) + text(block.thinking) + (block.input !== undefined ? JSON.stringify(block.input) : '');
  }
  // Gemini: candidates[].content.parts[].
  if (Array.isArray(payload.candidates)) {
    for (const candidate of payload.candidates) {
      if (!isObject(candidate) || !isObject(candidate.content) || !Array.isArray(candidate.content.parts)) continue;
      for (const part of candidate.content.parts) if (isObject(part)) out += text(part.text) + (part.functionCall !== undefined ? JSON.stringify(part.functionCall) : '');
    }
  }
  return out;
}
