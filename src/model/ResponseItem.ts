/**
 * History items, in the Responses API's own shapes: what a conversation stores,
 * writes to its rollout and resends with every request. Decoding drops fields we don't know (item
 * statuses, annotations); kinds we don't handle (web search calls, local shell calls, anything new)
 * decode to `None` and are dropped. `encrypted_content` is kept so reasoning survives `store: false`.
 */
import { Option, Schema } from "effect"

export const ContentPart = Schema.Union([
  Schema.Struct({ type: Schema.Literal("input_text"), text: Schema.String }),
  Schema.Struct({ type: Schema.Literal("input_image"), image_url: Schema.String }),
  Schema.Struct({ type: Schema.Literal("output_text"), text: Schema.String })
])
export type ContentPart = typeof ContentPart.Type

/** Ids the API assigned; never resent (with `store: false` the API cannot look them up). */
const ApiId = Schema.optionalKey(Schema.NullOr(Schema.String))

const MessageItem = Schema.Struct({
  type: Schema.Literal("message"),
  id: ApiId,
  role: Schema.Literals(["user", "assistant", "system", "developer"]),
  content: Schema.Array(ContentPart)
})

const ReasoningItem = Schema.Struct({
  type: Schema.Literal("reasoning"),
  id: ApiId,
  summary: Schema.Array(Schema.Struct({ type: Schema.Literal("summary_text"), text: Schema.String })),
  content: Schema.optionalKey(
    Schema.NullOr(Schema.Array(Schema.Struct({ type: Schema.Literals(["reasoning_text", "text"]), text: Schema.String })))
  ),
  encrypted_content: Schema.optionalKey(Schema.NullOr(Schema.String))
})

const FunctionCallItem = Schema.Struct({
  type: Schema.Literal("function_call"),
  id: ApiId,
  name: Schema.String,
  /** The arguments as a JSON text, exactly as the model wrote them. */
  arguments: Schema.String,
  call_id: Schema.String
})

const FunctionCallOutputItem = Schema.Struct({
  type: Schema.Literal("function_call_output"),
  call_id: Schema.String,
  /** Always a bare string on the wire. */
  output: Schema.String
})

/** A call of a freeform tool (e.g. `apply_patch` with the patch as raw text). */
const CustomToolCallItem = Schema.Struct({
  type: Schema.Literal("custom_tool_call"),
  id: ApiId,
  call_id: Schema.String,
  name: Schema.String,
  input: Schema.String
})

const CustomToolCallOutputItem = Schema.Struct({
  type: Schema.Literal("custom_tool_call_output"),
  call_id: Schema.String,
  output: Schema.String
})

export const ResponseItem = Schema.Union([
  MessageItem,
  ReasoningItem,
  FunctionCallItem,
  FunctionCallOutputItem,
  CustomToolCallItem,
  CustomToolCallOutputItem
])
export type ResponseItem = typeof ResponseItem.Type

/** Decodes an item from the wire; `None` for kinds we don't keep (web search calls, unknown types). */
export const decodeResponseItem: (input: unknown) => Option.Option<ResponseItem> = Schema.decodeUnknownOption(
  ResponseItem
)

/** A user message with one text part: what a typed prompt becomes. */
export const userText = (text: string): ResponseItem => ({
  type: "message",
  role: "user",
  content: [{ type: "input_text", text }]
})

/** An assistant message with one text part. */
export const assistantText = (text: string): ResponseItem => ({
  type: "message",
  role: "assistant",
  content: [{ type: "output_text", text }]
})
