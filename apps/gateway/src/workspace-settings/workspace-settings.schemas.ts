import { z } from 'zod';

export const CONTENT_EXCLUDED_KEYS_MAX = 1_000;

/** `PUT …/settings` replaces the whole document; an omitted field takes its default (content logging off). */
export const WorkspaceSettingsSchema = z
  .object({
    store_content: z.boolean().default(false).describe('Store prompts and completions of this workspace’s requests (off by default); shown in GET /api/v1/generation.'),
    store_content_excluded_key_ids: z
      .array(z.uuid())
      .max(CONTENT_EXCLUDED_KEYS_MAX)
      .default([])
      .describe('API keys whose requests are never stored, even with store_content on.'),
  })
  .strict();

export type WorkspaceSettingsInput = z.output<typeof WorkspaceSettingsSchema>;
