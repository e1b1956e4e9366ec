/**
 * Everything that differs between OpenAI-compatible upstreams, as data. Each provider folder exports one of these;
 * the shared adapter in this folder does the rest.
 */
export interface OpenAiCompatibleProvider {
  /** The provider id, as in its price file. */
  readonly id: string;
  /** Env names are `<envPrefix>_API_KEY` and `<envPrefix>_BASE_URL`. */
  readonly envPrefix: string;
  /** The public base URL (ending before `/chat/completions`); none for self-hosted servers, which need `<envPrefix>_BASE_URL`. */
  readonly defaultBaseUrl?: string;
  /** Without a key the provider is disabled; self-hosted servers usually take none. */
  readonly apiKeyRequired: boolean;
  readonly quirks: OpenAiCompatibleQuirks;
}

export interface OpenAiCompatibleQuirks extends ModelQuirks {
  /** Accepts `stream_options: {include_usage: true}`; otherwise it must send usage on its own (or in `x_groq`). */
  readonly streamOptions: boolean;
  /** Where the message/delta carries chain-of-thought text (`reasoning_content` on DeepSeek, xAI, Qwen). */
  readonly reasoningField: 'reasoning' | 'reasoning_content';
  /** Request fields the provider spells differently (Mistral's `random_seed`). */
  readonly renamedParams?: Readonly<Record<string, string>>;
  /** Takes OpenRouter's `top_k` as is (Together, Fireworks); OpenAI and most others refuse it, so it is dropped. */
  readonly acceptsTopK?: boolean;
  /** Message fields the provider refuses (Groq: `name`). */
  readonly rejectedMessageFields?: readonly string[];
  /** Overrides for some of its models (reasoning models take other parameters). */
  readonly modelQuirks?: (upstreamModel: string) => ModelQuirks | undefined;
}

export interface ModelQuirks {
  /**
   * Which field carries the output limit (OpenAI's o-series only accepts `max_completion_tokens`; most others only
   * `max_tokens`). Unset: the field the client used.
   */
  readonly outputLimitParam?: 'max_tokens' | 'max_completion_tokens';
  /** Request fields it refuses with a 400/422, dropped before sending (OpenRouter also ignores unsupported parameters); a model's list adds to its provider's. */
  readonly rejectedParams?: readonly string[];
}
