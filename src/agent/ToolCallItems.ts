/** Tool calls as history items: reading a call out of an item, the item that answers it, and answering the dangling ones. */
import type { ResponseItem } from "../model/ResponseItem.js"
import type { ToolCall } from "./Tool.js"

export const toolCallOf = (item: ResponseItem): ToolCall | undefined => {
  switch (item.type) {
    case "function_call":
      return { kind: "function", name: item.name, callId: item.call_id, input: item.arguments }
    case "custom_tool_call":
      return { kind: "custom", name: item.name, callId: item.call_id, input: item.input }
    default:
      return undefined
  }
}

export const outputItemFor = (call: ToolCall, output: string): ResponseItem =>
  call.kind === "function"
    ? { type: "function_call_output", call_id: call.callId, output }
    : { type: "custom_tool_call_output", call_id: call.callId, output }

/** Calls in the history without an output get a synthetic "aborted" one, or the API rejects the request. */
export const repairDanglingCalls = (history: ReadonlyArray<ResponseItem>): ReadonlyArray<ResponseItem> => {
  const answered = new Set<string>()
  for (const item of history) {
    if (item.type === "function_call_output" || item.type === "custom_tool_call_output") answered.add(item.call_id)
  }
  const repaired: Array<ResponseItem> = []
  for (const item of history) {
    repaired.push(item)
    const call = toolCallOf(item)
    if (call !== undefined && !answered.has(call.callId)) repaired.push(outputItemFor(call, "aborted"))
  }
  return repaired
}
