/**
 * What the model reads after a command: the JSON string
 * `{"output": …, "metadata": {"exit_code": …, "duration_seconds": …}}`. Clients get the full output in
 * events; only the model's copy is cut, to 10 KiB and 256 lines: the first and last 128 lines around
 * an elision line, the head at most half the bytes, the tail filling what is left of the byte budget. Lines are
 * counted as Rust's `str::lines` counts them, because the cut must match the reference byte for byte.
 * `tool_output_token_limit` sets the byte budget instead, at 4 bytes a token (the reference's estimate).
 */

const MAX_BYTES = 10 * 1024
const MAX_LINES = 256
const HEAD_LINES = MAX_LINES / 2
const TAIL_LINES = MAX_LINES - HEAD_LINES

/** The byte budget for `tool_output_token_limit` tokens; the default 10 KiB when unset. */
export const outputBudgetBytes = (tokenLimit: number | undefined) => (tokenLimit === undefined ? MAX_BYTES : tokenLimit * 4)

/** Rust's `str::lines`: split on `\n`, drop a `\r` before it, no empty last line after a final `\n`. */
const rustLines = (text: string): Array<string> => {
  if (text === "") return []
  const pieces = text.split("\n")
  if (pieces[pieces.length - 1] === "") pieces.pop()
  return pieces.map((piece, i) => (i < pieces.length - 1 || text.endsWith("\n")) && piece.endsWith("\r") ? piece.slice(0, -1) : piece)
}

const utf8Length = (text: string) => Buffer.byteLength(text, "utf8")

/** The longest prefix of `text` within `budget` UTF-8 bytes, cut on a character boundary. */
const takeBytes = (text: string, budget: number): string => {
  const bytes = Buffer.from(text, "utf8")
  if (bytes.length <= budget) return text
  let end = budget
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--
  return bytes.subarray(0, end).toString("utf8")
}

/** The longest suffix of `text` within `budget` UTF-8 bytes, cut on a character boundary. */
const takeLastBytes = (text: string, budget: number): string => {
  const bytes = Buffer.from(text, "utf8")
  if (bytes.length <= budget) return text
  let start = bytes.length - budget
  while (start < bytes.length && (bytes[start]! & 0xc0) === 0x80) start++
  return bytes.subarray(start).toString("utf8")
}

/** The model's copy of a command's output: verbatim when within both limits, else head + elision + tail. */
export const truncateForModel = (output: string, maxBytes: number = MAX_BYTES): string => {
  const lines = rustLines(output)
  if (utf8Length(output) <= maxBytes && lines.length <= MAX_LINES) return output
  const headTake = Math.min(HEAD_LINES, lines.length)
  const tailTake = Math.min(TAIL_LINES, lines.length - headTake)
  const omitted = lines.length - headTake - tailTake
  const marker = `\n[... omitted ${omitted} of ${lines.length} lines ...]\n\n`
  const head = takeBytes(lines.slice(0, headTake).join("\n"), Math.floor(maxBytes / 2))
  const tail = tailTake > 0 ? lines.slice(lines.length - tailTake).join("\n") : ""
  const tailBudget = Math.max(0, maxBytes - utf8Length(head) - utf8Length(marker))
  return head + marker + takeLastBytes(tail, tailBudget)
}

/**
 * The model's copy of an `exec_command` / `write_stdin` chunk, cut as the reference cuts those: half the
 * budget from the head, half from the tail, and between them how many tokens (4 bytes each) were left
 * out. Unlike `truncateForModel`, a few very long lines keep their end (an error, a last line of output).
 */
export const truncateMiddleForModel = (output: string, maxBytes: number): string => {
  const total = utf8Length(output)
  if (total <= maxBytes) return output
  const head = takeBytes(output, Math.floor(maxBytes / 2))
  const tail = takeLastBytes(output, maxBytes - utf8Length(head))
  return `${head}…${Math.ceil((total - utf8Length(head) - utf8Length(tail)) / 4)} tokens truncated…${tail}`
}

/** The fields of a finished command the model's text is made from. */
interface ModelVisibleOutput {
  readonly aggregatedOutput: string
  readonly exitCode: number
  readonly durationMs: number
  readonly timedOut?: boolean
}

/**
 * The `function_call_output.output` for a command that ran. A timed-out command's output is
 * prefixed with `command timed out after <ms> milliseconds`, as later reference releases do, so the
 * model sees both why it ended and what it printed.
 */
export const formatExecOutputForModel = (output: ModelVisibleOutput, maxBytes: number = MAX_BYTES): string => {
  const text = output.timedOut === true
    ? `command timed out after ${Math.round(output.durationMs)} milliseconds\n${output.aggregatedOutput}`
    : output.aggregatedOutput
  return JSON.stringify({
    output: truncateForModel(text, maxBytes),
    metadata: { exit_code: output.exitCode, duration_seconds: Math.round(output.durationMs / 100) / 10 }
  })
}

/** The other texts the model can get for a shell call. */
export const ExecModelText = {
  rejectedByUser: "exec command rejected by user",
  rejected: (reason: string) => `exec command rejected: ${reason}`,
  executionError: (error: string) => `execution error: ${error}`,
  retryFailed: (error: string) => `retry failed: ${error}`
} as const
