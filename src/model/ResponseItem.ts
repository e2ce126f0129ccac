/**
 * History items, in the Responses API's own shapes (agent core §1.4): what a conversation stores,
 * writes to its rollout and resends with every request. Fields the API added that we don't know are
 * dropped on decode; `encrypted_content` is kept so reasoning survives `store: false`.
 */
import { Schema } from "effect"

export const ContentPart = Schema.Union([
  Schema.Struct({ type: Schema.Literal("input_text"), text: Schema.String }),
  Schema.Struct({ type: Schema.Literal("input_image"), image_url: Schema.String }),
  Schema.Struct({ type: Schema.Literal("output_text"), text: Schema.String })
])
export type ContentPart = typeof ContentPart.Type

const OptionalId = Schema.optionalKey(Schema.NullOr(Schema.String))

export const ResponseItem = Schema.Union([
  Schema.Struct({
    type: Schema.Literal("message"),
    id: OptionalId,
    role: Schema.Literals(["user", "assistant", "system", "developer"]),
    content: Schema.Array(ContentPart)
  }),
  Schema.Struct({
    type: Schema.Literal("reasoning"),
    id: Schema.String,
    summary: Schema.Array(Schema.Struct({ type: Schema.Literal("summary_text"), text: Schema.String })),
    content: Schema.optionalKey(
      Schema.NullOr(Schema.Array(Schema.Struct({ type: Schema.Literals(["reasoning_text", "text"]), text: Schema.String })))
    ),
    encrypted_content: Schema.optionalKey(Schema.NullOr(Schema.String))
  }),
  Schema.Struct({
    type: Schema.Literal("function_call"),
    id: OptionalId,
    name: Schema.String,
    arguments: Schema.String,
    call_id: Schema.String
  }),
  Schema.Struct({ type: Schema.Literal("function_call_output"), call_id: Schema.String, output: Schema.String }),
  Schema.Struct({
    type: Schema.Literal("custom_tool_call"),
    id: OptionalId,
    call_id: Schema.String,
    name: Schema.String,
    input: Schema.String
  }),
  Schema.Struct({ type: Schema.Literal("custom_tool_call_output"), call_id: Schema.String, output: Schema.String })
])
export type ResponseItem = typeof ResponseItem.Type

/** Decodes an item from the wire; `None` for kinds we don't keep (web search calls, unknown types). */
export const decodeResponseItem = Schema.decodeUnknownOption(ResponseItem)
