/**
 * What the known model families can take: the context window (input and output together) and the
 * largest output, by model slug prefix. Config's `model_context_window` / `model_max_output_tokens`
 * override these; an unknown model has neither, and then only `model_auto_compact_token_limit` can
 * trigger automatic compaction.
 */

export interface ModelInfo {
  readonly contextWindow: number
  readonly maxOutputTokens: number
}

/** Checked in order: the first prefix that matches wins, so snapshots come before their family. */
const KNOWN_MODELS: ReadonlyArray<readonly [prefix: string, info: ModelInfo]> = [
  ["gpt-oss-", { contextWindow: 96_000, maxOutputTokens: 32_000 }],
  ["gpt-oss:", { contextWindow: 96_000, maxOutputTokens: 32_000 }],
  ["codex-mini-latest", { contextWindow: 200_000, maxOutputTokens: 100_000 }],
  ["codex-", { contextWindow: 400_000, maxOutputTokens: 128_000 }],
  ["gpt-5", { contextWindow: 400_000, maxOutputTokens: 128_000 }],
  ["o3", { contextWindow: 200_000, maxOutputTokens: 100_000 }],
  ["o4-mini", { contextWindow: 200_000, maxOutputTokens: 100_000 }],
  ["gpt-4.1", { contextWindow: 1_047_576, maxOutputTokens: 32_768 }],
  ["gpt-4o-2024-05-13", { contextWindow: 128_000, maxOutputTokens: 4_096 }],
  ["gpt-4o", { contextWindow: 128_000, maxOutputTokens: 16_384 }],
  ["gpt-3.5-turbo", { contextWindow: 16_385, maxOutputTokens: 4_096 }]
]

/** The table's entry for `model`, if its family is known. */
export const knownModelInfo = (model: string): ModelInfo | undefined =>
  KNOWN_MODELS.find(([prefix]) => model.startsWith(prefix))?.[1]

export interface ModelLimits {
  readonly contextWindow: number | undefined
  readonly maxOutputTokens: number | undefined
  /** Total tokens of a response past which the history is compacted; undefined: never automatically. */
  readonly autoCompactTokenLimit: number | undefined
}

/** Share of the context window a conversation may fill before it is compacted, when no limit is configured. */
const AUTO_COMPACT_SHARE = 0.9

/** The limits a task with `model` runs under: the configured values, else the table's. */
export const modelLimits = (
  model: string,
  configured: {
    readonly contextWindow: number | undefined
    readonly maxOutputTokens: number | undefined
    readonly autoCompactTokenLimit: number | undefined
  }
): ModelLimits => {
  const known = knownModelInfo(model)
  const contextWindow = configured.contextWindow ?? known?.contextWindow
  return {
    contextWindow,
    maxOutputTokens: configured.maxOutputTokens ?? known?.maxOutputTokens,
    autoCompactTokenLimit: configured.autoCompactTokenLimit ??
      (contextWindow === undefined ? undefined : Math.floor(contextWindow * AUTO_COMPACT_SHARE))
  }
}
