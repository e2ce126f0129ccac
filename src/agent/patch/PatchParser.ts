/**
 * The apply_patch format (agent core §7.1–7.2): `*** Begin Patch`, then Add / Delete / Update hunks
 * (Update with an optional `*** Move to:` and `@@` chunks of context, `-` and `+` lines, optionally
 * anchored at `*** End of File`), then `*** End Patch`. Parsing is lenient as in the reference: a
 * heredoc wrapper is stripped, the first chunk may omit `@@`, an empty line is empty context.
 */
import { Result } from "effect"

export interface UpdateChunk {
  /** The `@@ <anchor>` line to find first, if any. */
  readonly changeContext: string | undefined
  readonly oldLines: ReadonlyArray<string>
  readonly newLines: ReadonlyArray<string>
  readonly isEndOfFile: boolean
}

export type Hunk =
  | { readonly type: "add"; readonly path: string; readonly contents: string }
  | { readonly type: "delete"; readonly path: string }
  | { readonly type: "update"; readonly path: string; readonly movePath: string | undefined; readonly chunks: ReadonlyArray<UpdateChunk> }

export class PatchParseError {
  readonly _tag = "PatchParseError"
  constructor(readonly message: string) {}
}

const BEGIN = "*** Begin Patch"
const END = "*** End Patch"
const ADD = "*** Add File: "
const DELETE = "*** Delete File: "
const UPDATE = "*** Update File: "
const MOVE = "*** Move to: "
const EOF_MARKER = "*** End of File"
const HEADERS = "'*** Add File: {path}', '*** Delete File: {path}', '*** Update File: {path}'"

const invalidPatch = (message: string) => new PatchParseError(`invalid patch: ${message}`)
const invalidHunk = (line: number, message: string) => new PatchParseError(`invalid hunk at line ${line}, ${message}`)

/** The patch's lines inside the envelope, after stripping a heredoc wrapper if there is one. */
const envelope = (text: string): Result.Result<ReadonlyArray<string>, PatchParseError> => {
  let lines = text.trim().split("\n")
  const first = lines[0]?.trim()
  if ((first === "<<EOF" || first === "<<'EOF'" || first === "<<\"EOF\"") && lines.length >= 4 && lines[lines.length - 1]!.trim().endsWith("EOF")) {
    lines = lines.slice(1, -1)
  }
  if (lines[0]?.trim() !== BEGIN) return Result.fail(invalidPatch("The first line of the patch must be '*** Begin Patch'"))
  if (lines[lines.length - 1]?.trim() !== END) return Result.fail(invalidPatch("The last line of the patch must be '*** End Patch'"))
  return Result.succeed(lines.slice(1, -1))
}

interface Cursor {
  readonly lines: ReadonlyArray<string>
  index: number
}

/** Line numbers in messages count from the `*** Begin Patch` line as 1. */
const lineNumber = (cursor: Cursor) => cursor.index + 2

const parseChunk = (cursor: Cursor, allowMissingContext: boolean): Result.Result<UpdateChunk, PatchParseError> => {
  const first = cursor.lines[cursor.index]!
  let changeContext: string | undefined
  if (first === "@@") {
    cursor.index++
  } else if (first.startsWith("@@ ")) {
    changeContext = first.slice(3)
    cursor.index++
  } else if (!allowMissingContext) {
    return Result.fail(invalidHunk(lineNumber(cursor), `Expected update hunk to start with a @@ context marker, got: '${first}'`))
  }
  const oldLines: Array<string> = []
  const newLines: Array<string> = []
  let isEndOfFile = false
  let parsed = 0
  while (cursor.index < cursor.lines.length) {
    const line = cursor.lines[cursor.index]!
    if (line === EOF_MARKER) {
      if (parsed === 0) return Result.fail(invalidHunk(lineNumber(cursor), "Update hunk does not contain any lines"))
      isEndOfFile = true
      cursor.index++
      break
    }
    const marker = line[0]
    if (line.length === 0) {
      oldLines.push("")
      newLines.push("")
    } else if (marker === " ") {
      oldLines.push(line.slice(1))
      newLines.push(line.slice(1))
    } else if (marker === "-") {
      oldLines.push(line.slice(1))
    } else if (marker === "+") {
      newLines.push(line.slice(1))
    } else {
      if (parsed === 0) {
        return Result.fail(invalidHunk(
          lineNumber(cursor),
          `Unexpected line found in update hunk: '${line}'. Every line should start with ' ' (context line), '+' (added line), or '-' (removed line)`
        ))
      }
      break
    }
    parsed++
    cursor.index++
  }
  if (parsed === 0) return Result.fail(invalidHunk(lineNumber(cursor), "Update hunk does not contain any lines"))
  return Result.succeed({ changeContext, oldLines, newLines, isEndOfFile })
}

const parseHunk = (cursor: Cursor): Result.Result<Hunk, PatchParseError> => {
  const header = cursor.lines[cursor.index]!.trim()
  const headerLine = lineNumber(cursor)
  cursor.index++
  if (header.startsWith(ADD)) {
    const path = header.slice(ADD.length)
    let contents = ""
    while (cursor.index < cursor.lines.length && cursor.lines[cursor.index]!.startsWith("+")) {
      contents += `${cursor.lines[cursor.index]!.slice(1)}\n`
      cursor.index++
    }
    return Result.succeed({ type: "add", path, contents })
  }
  if (header.startsWith(DELETE)) return Result.succeed({ type: "delete", path: header.slice(DELETE.length) })
  if (header.startsWith(UPDATE)) {
    const path = header.slice(UPDATE.length)
    let movePath: string | undefined
    if (cursor.lines[cursor.index]?.startsWith(MOVE)) {
      movePath = cursor.lines[cursor.index]!.slice(MOVE.length).trim()
      cursor.index++
    }
    const chunks: Array<UpdateChunk> = []
    while (cursor.index < cursor.lines.length) {
      const line = cursor.lines[cursor.index]!
      if (line.trim().length === 0) {
        cursor.index++
        continue
      }
      if (line.startsWith("***")) break
      const chunk = parseChunk(cursor, chunks.length === 0)
      if (chunk._tag === "Failure") return Result.fail(chunk.failure)
      chunks.push(chunk.success)
    }
    if (chunks.length === 0) return Result.fail(invalidHunk(headerLine, `Update file hunk for path '${path}' is empty`))
    return Result.succeed({ type: "update", path, movePath, chunks })
  }
  return Result.fail(invalidHunk(headerLine, `'${header}' is not a valid hunk header. Valid hunk headers: ${HEADERS}`))
}

export const parsePatch = (text: string): Result.Result<ReadonlyArray<Hunk>, PatchParseError> => {
  const body = envelope(text)
  if (body._tag === "Failure") return Result.fail(body.failure)
  const cursor: Cursor = { lines: body.success, index: 0 }
  const hunks: Array<Hunk> = []
  while (cursor.index < cursor.lines.length) {
    if (cursor.lines[cursor.index]!.trim().length === 0) {
      cursor.index++
      continue
    }
    const hunk = parseHunk(cursor)
    if (hunk._tag === "Failure") return Result.fail(hunk.failure)
    hunks.push(hunk.success)
  }
  return Result.succeed(hunks)
}
