/**
 * What a model slug says about the model, matched by prefix as the reference does: whether it takes
 * the `reasoning` parameter (and so reasoning summaries), whether it takes `text.verbosity`, and which
 * apply_patch tool and which command tool it expects by default. An unknown slug is a plain model with none of these.
 */

export interface ModelFamily {
  /** The family name: the matched prefix (`gpt-5`, `o3`, `gpt-oss`…), or the slug itself. */
  readonly family: string
  /** Accepts `reasoning: {effort, summary}` on the Responses API. */
  readonly supportsReasoningSummaries: boolean
  /** Accepts `text.verbosity` on the Responses API. */
  readonly supportsVerbosity: boolean
  /** Gets the apply_patch function tool even when `include_apply_patch_tool` is off. */
  readonly applyPatchFunctionTool: boolean
  /** Is prompted for `exec_command` + `write_stdin` rather than `shell` (gpt-5.x, gpt-5.x-codex and later). */
  readonly unifiedExec: boolean
}

const plain = (family: string): ModelFamily => ({
  family,
  supportsReasoningSummaries: false,
  supportsVerbosity: false,
  applyPatchFunctionTool: false,
  unifiedExec: false
})

const reasoning = (family: string): ModelFamily => ({ ...plain(family), supportsReasoningSummaries: true })

/** The family of `slug`. */
export const modelFamily = (slug: string): ModelFamily => {
  if (slug.startsWith("o3")) return reasoning("o3")
  if (slug.startsWith("o4-mini")) return reasoning("o4-mini")
  if (slug.startsWith("codex-mini-latest")) return reasoning("codex-mini-latest")
  if (slug.startsWith("codex-")) return reasoning(slug)
  if (/^gpt-(5\.\d|[6-9]|\d{2,})/.test(slug)) return { ...reasoning("gpt-5"), supportsVerbosity: true, unifiedExec: true }
  if (slug.startsWith("gpt-5")) return { ...reasoning("gpt-5"), supportsVerbosity: true }
  if (slug.startsWith("gpt-oss")) return { ...plain("gpt-oss"), applyPatchFunctionTool: true }
  if (slug.startsWith("gpt-4.1")) return plain("gpt-4.1")
  if (slug.startsWith("gpt-4o")) return plain("gpt-4o")
  if (slug.startsWith("gpt-3.5")) return plain("gpt-3.5")
  return plain(slug)
}

/** Whether requests for `slug` carry `reasoning`: its family says so, or `model_supports_reasoning_summaries` forces it. */
export const sendsReasoning = (slug: string, forced: boolean) => forced || modelFamily(slug).supportsReasoningSummaries
