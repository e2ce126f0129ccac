/**
 * A request's settings for a new conversation (`ConversationOverrides`) as a Schema. Each face names them its
 * own way (`approval-policy` in the `codex` tool, `approvalPolicy` in the conversation API) and derives its
 * wire shape from this one with `Schema.encodeKeys`, so the mapping from wire params to overrides is one
 * Schema per face, decoded, never copied by hand. Each face types its decoder as giving `ConversationOverrides`, so
 * the compiler checks that every override is one the config understands.
 */
import { Schema, Struct } from "effect"
import { AskForApproval, ReasoningEffort, SandboxMode } from "../rpc/Enums.js"

export const Overrides = Schema.Struct({
  model: Schema.optionalKey(Schema.String),
  profile: Schema.optionalKey(Schema.String),
  // A relative cwd is resolved by the config, against the directory the server was configured with.
  cwd: Schema.optionalKey(Schema.String),
  approvalPolicy: Schema.optionalKey(AskForApproval),
  sandboxMode: Schema.optionalKey(SandboxMode),
  config: Schema.optionalKey(Schema.Record(Schema.String, Schema.Unknown)),
  baseInstructions: Schema.optionalKey(Schema.String),
  includePlanTool: Schema.optionalKey(Schema.Boolean),
  includeApplyPatchTool: Schema.optionalKey(Schema.Boolean),
  developerInstructions: Schema.optionalKey(Schema.String),
  reasoningEffort: Schema.optionalKey(ReasoningEffort),
  compactPrompt: Schema.optionalKey(Schema.String)
})

/** The `codex` tool's settings (kebab-case, `sandbox`). */
export const CodexToolOverrides = Overrides.mapFields(Struct.omit(["includeApplyPatchTool"])).pipe(Schema.encodeKeys({
  approvalPolicy: "approval-policy",
  sandboxMode: "sandbox",
  baseInstructions: "base-instructions",
  includePlanTool: "include-plan-tool",
  developerInstructions: "developer-instructions",
  reasoningEffort: "reasoning-effort",
  compactPrompt: "compact-prompt"
}))

/** `newConversation`'s settings (and `resumeConversation`'s `overrides`): camelCase, `sandbox`. */
export const ConversationApiOverrides = Overrides.mapFields(Struct.omit(["developerInstructions", "reasoningEffort", "compactPrompt"])).pipe(
  Schema.encodeKeys({ sandboxMode: "sandbox" })
)
