/** One search result as the model sees it and as the response cites it. */
export interface WebSource {
  url: string;
  title: string;
  content: string;
}

/** Per-result caps, so the prompt tokens a search can add are bounded before the hold is placed. */
export const WEB_SOURCE_LIMITS = { urlChars: 2_000, titleChars: 300, contentChars: 1_200 } as const;
