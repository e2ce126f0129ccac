/**
 * One model request: instructions, the whole history, the tools on offer and the reasoning settings.
 * The same Prompt goes to the Responses API and (converted) to Chat Completions.
 */
import { Schema } from "effect"
import type { ReasoningEffort, ReasoningSummary } from "../rpc/Enums.js"
import type { ResponseItem } from "./ResponseItem.js"

export interface FunctionToolSpec {
  readonly type: "function"
  readonly name: string
  readonly description: string
  readonly strict: boolean
  /** A JSON Schema object. */
  readonly parameters: Readonly<Record<string, unknown>>
}

/**
 * A function tool's `parameters`, generated from the Schema that describes its arguments to the model.
 * Objects are closed (`additionalProperties: false`), as the tools decode them.
 */
export const functionParameters = (schema: Schema.Top): FunctionToolSpec["parameters"] =>
  Schema.toJsonSchemaDocument(schema, { onExcessProperty: "error" }).schema

/** A freeform tool whose input is raw text in a grammar (the Responses API's `custom` tools). */
export interface CustomToolSpec {
  readonly type: "custom"
  readonly name: string
  readonly description: string
  readonly format: Readonly<Record<string, unknown>>
}

/** A tool the provider runs itself (the Responses API's hosted `web_search`). */
export interface HostedToolSpec {
  readonly type: "web_search"
  /** False: search the provider's cached index only (`web_search = "cached"`). */
  readonly external_web_access?: boolean
}

export type ToolSpec = FunctionToolSpec | CustomToolSpec | HostedToolSpec

export interface Prompt {
  readonly model: string
  readonly instructions: string
  readonly input: ReadonlyArray<ResponseItem>
  readonly tools: ReadonlyArray<ToolSpec>
  /** Sent only when set: the turn leaves it out for models whose family does not take it. */
  readonly reasoning?: { readonly effort: ReasoningEffort; readonly summary: ReasoningSummary } | undefined
  /** `text.verbosity` (Responses API), for models that take it. */
  readonly verbosity?: "low" | "medium" | "high" | undefined
  /** The JSON Schema the final answer must match: `text.format` (Responses), `response_format` (Chat). */
  readonly outputSchema?: Readonly<Record<string, unknown>> | undefined
  /** Lets the provider cache the shared prefix of a conversation's requests (the conversation id). */
  readonly promptCacheKey?: string | undefined
  /** The model may make several calls in one response (Responses API): some offered tool can run beside others. */
  readonly parallelToolCalls?: boolean | undefined
}

/** The name a structured-output format goes under (the reference's). */
export const OUTPUT_SCHEMA_NAME = "codex_output_schema"
