/**
 * Web search in config.toml, as the Codex CLI writes it today and as it used to: the top-level
 * `web_search = "live" | "cached" | "disabled"`, and the older `[tools] web_search = true`, which the
 * current CLI also writes as a table (`[tools.web_search]` with `context_size`, `allowed_domains`,
 * `location`). The table's settings are not sent here (they warn as ignored keys); writing the table
 * turns the tool on, as `true` does.
 */
import { Schema } from "effect"

export const WebSearchMode = Schema.Literals(["live", "cached", "disabled"])
export type WebSearchMode = typeof WebSearchMode.Type

/** `tools.web_search`: a switch, or the tool's settings (whose keys this server does not read). */
export const WebSearchToolToml = Schema.Union([Schema.Boolean, Schema.Struct({})])
export type WebSearchToolToml = typeof WebSearchToolToml.Type

/** `web_search` wins; else `tools.web_search` (true or a table: live); else disabled. */
export const webSearchModeOf = (mode: WebSearchMode | undefined, tool: WebSearchToolToml | undefined): WebSearchMode =>
  mode ?? (tool === undefined || tool === false ? "disabled" : "live")
