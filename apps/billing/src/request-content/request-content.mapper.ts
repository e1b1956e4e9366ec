import type { EventPayload, GatewayRequestCompleted, RequestContent } from '@switchyard/contracts';
import type { NewRequestContent } from './request-content.entity';

type CompletedRequest = EventPayload<typeof GatewayRequestCompleted>;

/** The content row of a completed request; undefined when the event carries none (the workspace did not opt in). */
export function requestContentFromEvent(event: CompletedRequest): NewRequestContent | undefined {
  const content = event.content;
  if (!content) return undefined;
  return { requestId: event.requestId, workspaceId: event.workspaceId, prompt: content.prompt, completion: content.completion, toolCalls: content.toolCalls, truncated: content.truncated };
}

/** A request_contents row as the generation query selects it (`c_` columns, null when the request has none). */
export interface RequestContentColumns {
  content_prompt: string | null;
  content_completion: string | null;
  content_tool_calls: string | null;
  content_truncated: boolean | null;
}

export function toRequestContent(row: RequestContentColumns): RequestContent | undefined {
  if (row.content_prompt === null || row.content_completion === null) return undefined;
  return { prompt: row.content_prompt, completion: row.content_completion, toolCalls: row.content_tool_calls, truncated: row.content_truncated === true };
}
