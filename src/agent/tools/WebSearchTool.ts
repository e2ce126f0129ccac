/**
 * `web_search` (`web_search = "live"` or `"cached"`, or `tools.web_search = true`): the provider's
 * hosted search on the Responses API. The provider runs the searches itself; its `web_search_call`
 * items become `web_search_begin` / `web_search_end` events. Never called by name, so `run` only
 * answers a model that tries. `cached` keeps the search off the live web, as the Codex CLI asks.
 */
import { Effect } from "effect"
import type { WebSearchMode } from "../../config/WebSearchConfig.js"
import type { Tool } from "../Tool.js"

export const webSearchTool = (mode: Exclude<WebSearchMode, "disabled">): Tool => ({
  name: "web_search",
  spec: mode === "cached" ? { type: "web_search", external_web_access: false } : { type: "web_search" },
  run: () => Effect.succeed("web_search is run by the provider, not as a function call")
})
