/**
 * `web_search` (`tools.web_search = true`): the provider's hosted search on the Responses API. The
 * provider runs the searches itself; its `web_search_call` items become `web_search_begin` /
 * `web_search_end` events. Never called by name, so `run` only answers a model that tries.
 */
import { Effect } from "effect"
import type { Tool } from "../Tool.js"

export const webSearchTool: Tool = {
  name: "web_search",
  spec: { type: "web_search" },
  run: () => Effect.succeed("web_search is run by the provider, not as a function call")
}
