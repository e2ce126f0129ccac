/**
 * What the model reads after a command (agent core §6.3): `{"output", "metadata": {exit_code,
 * duration_seconds}}` as a JSON string, the output cut to 10 KiB and 256 lines (first and last 128
 * lines, the head at most 5 KiB) with a marker saying how many lines were left out.
 */
const MAX_BYTES = 10 * 1024
const MAX_LINES = 256
const HEAD_LINES = 128
const TAIL_LINES = 128
const HEAD_BYTES = MAX_BYTES / 2

/** The longest prefix of `text` within `bytes` UTF-8 bytes, cut on a character boundary. */
const takeBytes = (text: string, bytes: number) => {
  const buffer = Buffer.from(text, "utf8")
  if (buffer.length <= bytes) return text
  let end = bytes
  while (end > 0 && (buffer[end]! & 0xc0) === 0x80) end--
  return buffer.subarray(0, end).toString("utf8")
}

/** The longest suffix of `text` within `bytes` UTF-8 bytes, cut on a character boundary. */
const takeLastBytes = (text: string, bytes: number) => {
  const buffer = Buffer.from(text, "utf8")
  if (buffer.length <= bytes) return text
  let start = buffer.length - bytes
  while (start < buffer.length && (buffer[start]! & 0xc0) === 0x80) start++
  return buffer.subarray(start).toString("utf8")
}

export const truncateForModel = (output: string): string => {
  const lines = output.split(/(?<=\n)/)
  if (Buffer.byteLength(output, "utf8") <= MAX_BYTES && lines.length <= MAX_LINES) return output
  const omitted = Math.max(0, lines.length - HEAD_LINES - TAIL_LINES)
  const marker = `\n[... omitted ${omitted} of ${lines.length} lines ...]\n\n`
  const head = takeBytes(lines.slice(0, HEAD_LINES).join(""), HEAD_BYTES)
  const tailBudget = Math.max(0, MAX_BYTES - Buffer.byteLength(head, "utf8") - Buffer.byteLength(marker, "utf8"))
  const tail = takeLastBytes(lines.slice(Math.max(HEAD_LINES, lines.length - TAIL_LINES)).join(""), tailBudget)
  return head + marker + tail
}

export const formatExecOutput = (output: { readonly aggregated: string; readonly exitCode: number; readonly durationMs: number }) =>
  JSON.stringify({
    output: truncateForModel(output.aggregated),
    metadata: { exit_code: output.exitCode, duration_seconds: Math.round(output.durationMs / 100) / 10 }
  })
