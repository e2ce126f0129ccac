/**
 * What `exec` prints for a person (without `--json`): the agent's progress on stderr as it happens
 * (the settings, each command with its exit code and the end of its output, files changed, the plan,
 * reasoning, failures), so that stdout carries the final message alone and
 * `codex-effect exec "…" > answer.txt` works. Colour only on request or on a terminal.
 */
import type { FileChange } from "../../rpc/Enums.js"
import type { Event } from "../../rpc/Event.js"
import { shlexJoin } from "../../agent/exec/ShellQuote.js"
import { VERSION } from "../../version.js"

export type ColorMode = "always" | "never" | "auto"

/** `auto`: colour on a terminal, unless `NO_COLOR` is set. */
export const usesColor = (mode: ColorMode, isTty: boolean, noColor: boolean) =>
  mode === "always" || (mode === "auto" && isTty && !noColor)

/** The lines of a command's output shown; the model sees it all. */
const OUTPUT_LINES = 20

export interface HumanHeader {
  readonly prompt: string
  readonly model: string
  readonly provider: string
  readonly cwd: string
  readonly approvalPolicy: string
  readonly sandbox: string
  readonly reasoningEffort: string
  readonly reasoningSummary: string
}

const kindOf = (change: FileChange) => (change === "delete" ? "D" : "add" in change ? "A" : "M")

/** The last lines of `text`, with a note of how many were left out. */
const tail = (text: string) => {
  const lines = text.replace(/\n$/, "").split("\n")
  if (lines.length <= OUTPUT_LINES) return lines.join("\n")
  return [`… ${lines.length - OUTPUT_LINES} lines above`, ...lines.slice(-OUTPUT_LINES)].join("\n")
}

/** `1234567` as `1,234,567`, as the reference prints counts (no `Intl`: its data costs the process megabytes). */
const withThousandsSeparators = (count: number) => String(count).replace(/\B(?=(\d{3})+(?!\d))/g, ",")

export const makeHumanOutput = (styled: boolean) => {
  const paint = (code: string) => (text: string) => (styled ? `\x1b[${code}m${text}\x1b[0m` : text)
  const bold = paint("1")
  const dim = paint("2")
  const red = paint("31")
  const green = paint("32")
  const magenta = paint("35")
  let tokens = 0

  /** The reference's header, line for line (scripts read `session id:` from it). */
  const header = (h: HumanHeader, threadId: string) =>
    [
      `codex-effect v${VERSION}`,
      "--------",
      ...[
        ["workdir", h.cwd],
        ["model", h.model],
        ["provider", h.provider],
        ["approval", h.approvalPolicy],
        ["sandbox", h.sandbox],
        ["reasoning effort", h.reasoningEffort],
        ["reasoning summaries", h.reasoningSummary],
        ["session id", threadId]
      ].map(([name, value]) => `${bold(`${name}:`)} ${value}`),
      "--------",
      `${bold("user")}\n${h.prompt}`
    ].join("\n") + "\n"

  /** The stderr text for one event; empty for events a person need not see. */
  const render = (event: Event): string => {
    const msg = event.msg
    switch (msg.type) {
      case "agent_reasoning":
        return `${magenta(bold("thinking"))}\n${dim(msg.text)}\n`
      case "agent_message":
        return `${bold("codex")}\n${msg.message}\n`
      case "exec_command_begin":
        return `${magenta(bold("exec"))} ${bold(shlexJoin(msg.command))} ${dim(`in ${msg.cwd}`)}\n`
      case "exec_command_end": {
        const millis = msg.duration.secs * 1000 + Math.round(msg.duration.nanos / 1e6)
        const status = msg.exit_code === 0
          ? green(` succeeded in ${millis}ms`)
          : red(` exited ${msg.exit_code} in ${millis}ms`)
        const output = msg.aggregated_output.length > 0 ? `${dim(tail(msg.aggregated_output))}\n` : ""
        return `${status}:\n${output}`
      }
      case "patch_apply_begin":
        return `${magenta(bold("apply patch"))}\n${
          Object.entries(msg.changes).map(([path, change]) => `  ${kindOf(change)} ${path}`).join("\n")
        }\n`
      case "patch_apply_end":
        return msg.success ? `${green(" patch applied")}\n` : `${red(" patch failed")}\n${dim(tail(msg.stderr))}\n`
      case "plan_update":
        return `${magenta(bold("plan"))}\n${
          msg.plan.map((step) => `  ${step.status === "completed" ? "✔" : step.status === "in_progress" ? "→" : "□"} ${step.step}`).join(
            "\n"
          )
        }\n`
      case "mcp_tool_call_begin":
        return `${magenta(bold("tool"))} ${msg.invocation.server}.${msg.invocation.tool}\n`
      case "mcp_tool_call_end":
        return "Err" in msg.result ? `${red(` failed: ${msg.result.Err}`)}\n` : `${green(" done")}\n`
      case "web_search_end":
        return `${magenta(bold("web search"))} ${msg.query}\n`
      case "stream_error":
        return `${dim(msg.message)}\n`
      case "token_count":
        // What the reference reports: the input not served from the cache, plus the output.
        tokens += msg.input_tokens - (msg.cached_input_tokens ?? 0) + msg.output_tokens
        return ""
      case "error":
        return `${red(bold("error"))} ${msg.message}\n`
      case "turn_aborted":
        return `${red(bold("interrupted"))}\n`
      case "task_complete":
        return tokens > 0 ? `${dim("tokens used")}\n${withThousandsSeparators(tokens)}\n` : ""
      default:
        return ""
    }
  }

  return { header, render }
}
