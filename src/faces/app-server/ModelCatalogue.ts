/**
 * The models `model/list` offers: the reference's picker presets (all of the gpt-5.x family, which our
 * agent drives with `exec_command` + `write_stdin`), then the older families our agent knows (see
 * `src/model/ModelFamily.ts`) as hidden entries, and the configured model on top when it is none of them.
 * The default is the configured model. Paged as the reference pages: the cursor is the offset, as a string.
 */
import { Effect } from "effect"
import { invalidRequest } from "../../rpc/JsonRpc.js"
import type { ReasoningEffort } from "../../rpc/Enums.js"
import { modelFamily } from "../../model/ModelFamily.js"

/** What a reasoning effort does, as the picker explains it (the reference's wording). */
const EFFORT_DESCRIPTIONS: Readonly<Record<ReasoningEffort, string>> = {
  none: "No reasoning",
  minimal: "Fastest responses with minimal reasoning",
  low: "Fast responses with lighter reasoning",
  medium: "Balances speed and reasoning depth for everyday tasks",
  high: "Greater reasoning depth for complex problems",
  xhigh: "Extra high reasoning depth for complex problems"
}

interface Preset {
  readonly model: string
  readonly displayName: string
  readonly description: string
  readonly hidden: boolean
  /** Empty for a family that takes no `reasoning` parameter. */
  readonly efforts: ReadonlyArray<ReasoningEffort>
  readonly defaultEffort: ReasoningEffort
  /** The model the reference moves users of this one to. */
  readonly upgrade?: string
  readonly textOnly?: boolean
}

const GPT5X: ReadonlyArray<ReasoningEffort> = ["low", "medium", "high", "xhigh"]
const GPT5: ReadonlyArray<ReasoningEffort> = ["minimal", "low", "medium", "high"]
const O_SERIES: ReadonlyArray<ReasoningEffort> = ["low", "medium", "high"]

/** In picker order: the reference's presets first (same ids, names and descriptions), then our other families. */
const PRESETS: ReadonlyArray<Preset> = [
  { model: "gpt-6-astra", displayName: "GPT-6-Astra", description: "Our most capable model for complex, demanding work.", hidden: false, efforts: GPT5X, defaultEffort: "low" },
  { model: "gpt-5.6-sol", displayName: "GPT-5.6-Sol", description: "Latest frontier agentic coding model.", hidden: false, efforts: GPT5X, defaultEffort: "low" },
  { model: "gpt-5.6-terra", displayName: "GPT-5.6-Terra", description: "Balanced agentic coding model for everyday work.", hidden: false, efforts: GPT5X, defaultEffort: "medium" },
  { model: "gpt-5.6-luna", displayName: "GPT-5.6-Luna", description: "Fast and affordable agentic coding model.", hidden: false, efforts: GPT5X, defaultEffort: "medium" },
  { model: "gpt-5.5", displayName: "GPT-5.5", description: "Frontier model for complex coding, research, and real-world work.", hidden: false, efforts: GPT5X, defaultEffort: "medium" },
  { model: "gpt-5.4", displayName: "GPT-5.4", description: "Strong model for everyday coding.", hidden: true, efforts: GPT5X, defaultEffort: "medium", upgrade: "gpt-5.6-terra" },
  { model: "gpt-5.4-mini", displayName: "GPT-5.4-Mini", description: "Small, fast, and cost-efficient model for simpler coding tasks.", hidden: true, efforts: GPT5X, defaultEffort: "medium", upgrade: "gpt-5.6-luna" },
  { model: "gpt-5.2", displayName: "GPT-5.2", description: "Optimized for professional work and long-running agents.", hidden: false, efforts: GPT5X, defaultEffort: "medium" },
  { model: "gpt-5-codex", displayName: "GPT-5-Codex", description: "GPT-5 tuned for coding.", hidden: true, efforts: O_SERIES, defaultEffort: "medium" },
  { model: "gpt-5", displayName: "GPT-5", description: "The first GPT-5 model.", hidden: true, efforts: GPT5, defaultEffort: "medium" },
  { model: "codex-mini-latest", displayName: "codex-mini-latest", description: "Fast reasoning model for the Codex CLI.", hidden: true, efforts: O_SERIES, defaultEffort: "medium" },
  { model: "o3", displayName: "o3", description: "Reasoning model for complex tasks.", hidden: true, efforts: O_SERIES, defaultEffort: "medium" },
  { model: "o4-mini", displayName: "o4-mini", description: "Fast, cost-efficient reasoning model.", hidden: true, efforts: O_SERIES, defaultEffort: "medium" },
  { model: "gpt-oss-120b", displayName: "gpt-oss-120b", description: "Open-weight model (e.g. served by Ollama or vLLM).", hidden: true, efforts: [], defaultEffort: "none", textOnly: true },
  { model: "gpt-oss-20b", displayName: "gpt-oss-20b", description: "Smaller open-weight model (e.g. served by Ollama or vLLM).", hidden: true, efforts: [], defaultEffort: "none", textOnly: true },
  { model: "gpt-4.1", displayName: "GPT-4.1", description: "Non-reasoning model with a 1M-token context window.", hidden: true, efforts: [], defaultEffort: "none" },
  { model: "gpt-4o", displayName: "GPT-4o", description: "Non-reasoning multimodal model.", hidden: true, efforts: [], defaultEffort: "none" }
]

/** The tools our agent gives `model`'s family, for the entries the reference does not describe. */
const toolsOf = (model: string) => {
  const family = modelFamily(model)
  const command = family.unifiedExec ? "exec_command + write_stdin" : "shell"
  return family.applyPatchFunctionTool ? `${command}, apply_patch` : command
}

const entryOf = (preset: Preset, isDefault: boolean) => ({
  id: preset.model,
  model: preset.model,
  upgrade: preset.upgrade ?? null,
  upgradeInfo: preset.upgrade === undefined
    ? null
    : { model: preset.upgrade, upgradeCopy: null, modelLink: null, migrationMarkdown: null, retirementAt: null },
  availabilityNux: null,
  displayName: preset.displayName,
  description: preset.description,
  modelSpecialty: null,
  hidden: preset.hidden,
  supportedReasoningEfforts: preset.efforts.map((effort) => ({ reasoningEffort: effort, description: EFFORT_DESCRIPTIONS[effort] })),
  defaultReasoningEffort: preset.defaultEffort,
  inputModalities: preset.textOnly === true ? ["text" as const] : ["text" as const, "image" as const],
  supportsPersonality: false,
  multiAgentVersion: null,
  additionalSpeedTiers: [],
  serviceTiers: [],
  defaultServiceTier: null,
  isDefault
})

type CatalogueEntry = ReturnType<typeof entryOf>

/** The configured model as an entry: its family says whether it takes an effort. */
const configuredPreset = (configured: Configured): Preset => ({
  model: configured.model,
  displayName: configured.model,
  description: `The configured model (provider ${configured.provider}; tools: ${toolsOf(configured.model)}).`,
  hidden: false,
  efforts: modelFamily(configured.model).supportsReasoningSummaries ? O_SERIES : [],
  defaultEffort: configured.effort
})

export interface Configured {
  readonly model: string
  readonly provider: string
  readonly effort: ReasoningEffort
}

/** Every entry, hidden ones included; the configured model is the default, and never hidden. */
const catalogue = (configured: Configured): ReadonlyArray<CatalogueEntry> => {
  const known = PRESETS.some((preset) => preset.model === configured.model)
  const entries = PRESETS.map((preset) =>
    preset.model === configured.model ? entryOf({ ...preset, hidden: false }, true) : entryOf(preset, false)
  )
  return known ? entries : [entryOf(configuredPreset(configured), true), ...entries]
}

/** One page of the catalogue: `cursor` is the offset a previous page returned; no `limit`, everything left. */
export const modelPage = (
  configured: Configured,
  params: { readonly cursor?: string | null; readonly limit?: number | null; readonly includeHidden?: boolean | null }
) =>
  Effect.suspend(() => {
    const entries = catalogue(configured).filter((entry) => params.includeHidden === true || !entry.hidden)
    const cursor = params.cursor ?? "0"
    if (!/^\+?\d+$/.test(cursor)) return Effect.fail(invalidRequest(`invalid cursor: ${cursor}`))
    const start = Number(cursor)
    if (start > entries.length) return Effect.fail(invalidRequest(`cursor ${start} exceeds total models ${entries.length}`))
    // As the reference (a Rust usize): "+1" is 1, and a limit of 0 is a page of one.
    const end = params.limit == null ? entries.length : Math.min(entries.length, start + Math.max(1, params.limit))
    return Effect.succeed({ data: entries.slice(start, end), nextCursor: end < entries.length ? String(end) : null })
  })
