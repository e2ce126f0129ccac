/**
 * The apply_patch text format parsed into hunks: `*** Begin Patch`, then Add /
 * Delete / Update sections, then `*** End Patch`. Parsing is lenient like the reference's: a heredoc
 * wrapper (`<<'EOF' … EOF`) is stripped, markers may carry surrounding whitespace, the first chunk of
 * an update may omit `@@`, and an empty line inside a chunk is an empty context line. Errors carry
 * the reference's exact texts, since the model reads them.
 */
import { Result, Schema } from "effect"
import { DELETE, type DiffOp, EQUAL, INSERT } from "./LineDiff.js"
import { MAX_PATCH_CHUNKS, MAX_PATCH_HUNKS, MAX_PATH_CHARS, overLimit } from "../../model/ModelOutputLimits.js"

/** One `@@` section of an Update: the lines to find (`oldLines`) and what replaces them. */
export interface UpdateChunk {
  /** The `@@ <anchor>` line (a class or function header) to find before the old lines. */
  readonly changeContext: string | undefined
  readonly oldLines: ReadonlyArray<string>
  readonly newLines: ReadonlyArray<string>
  /**
   * Each line's marker in patch order (context, removed, added): which old line a context line keeps
   * when neighbours have the same text, which a diff of old and new lines cannot tell.
   */
  readonly ops: ReadonlyArray<DiffOp>
  /** `*** End of File`: the old lines must be the last lines of the file. */
  readonly isEndOfFile: boolean
}

export interface AddFile {
  readonly _tag: "AddFile"
  readonly path: string
  /** Every `+` line followed by `\n`. */
  readonly contents: string
}

export interface DeleteFile {
  readonly _tag: "DeleteFile"
  readonly path: string
}

export interface UpdateFile {
  readonly _tag: "UpdateFile"
  readonly path: string
  readonly movePath: string | undefined
  readonly chunks: ReadonlyArray<UpdateChunk>
}

/** Paths are as written in the patch (normally relative to the working directory). */
export type Hunk = AddFile | DeleteFile | UpdateFile

/**
 * Why a patch could not be parsed. `message` is the text the agent shows the model
 * (`invalid patch: …` or `invalid hunk at line N, …`); `reason` is the part after the prefix.
 */
class PatchParseError extends Schema.TaggedError<PatchParseError>()("PatchParseError", {
  message: Schema.String,
  reason: Schema.String,
  /** Set for hunk errors: the 1-based line of the patch (`*** Begin Patch` is line 1). */
  lineNumber: Schema.optionalKey(Schema.Int)
}) {}

const invalidPatch = (reason: string) => new PatchParseError({ message: `invalid patch: ${reason}`, reason })

const invalidHunk = (lineNumber: number, reason: string) =>
  new PatchParseError({ message: `invalid hunk at line ${lineNumber}, ${reason}`, reason, lineNumber })

/** The standalone `apply_patch` program's wording of a parse error (its stderr). */
export const standaloneParseErrorText = (error: PatchParseError): string =>
  error.lineNumber === undefined
    ? `Invalid patch: ${error.reason}`
    : `Invalid patch hunk on line ${error.lineNumber}: ${error.reason}`

const BEGIN_PATCH = "*** Begin Patch"
const END_PATCH = "*** End Patch"
const ADD_FILE = "*** Add File: "
const DELETE_FILE = "*** Delete File: "
const UPDATE_FILE = "*** Update File: "
const MOVE_TO = "*** Move to: "
const END_OF_FILE = "*** End of File"
const VALID_HEADERS = "'*** Add File: {path}', '*** Delete File: {path}', '*** Update File: {path}'"
const HEREDOC_OPENERS = new Set(["<<EOF", "<<'EOF'", "<<\"EOF\""])

type Parsed<A> = Result.Result<A, PatchParseError>

/** The lines between the envelope markers, or why the envelope is wrong. */
const strictBody = (lines: ReadonlyArray<string>): Parsed<ReadonlyArray<string>> => {
  const first = lines[0]?.trim()
  const last = lines[lines.length - 1]?.trim()
  if (first === BEGIN_PATCH && last === END_PATCH && lines.length >= 2) return Result.succeed(lines.slice(1, -1))
  if (first !== undefined && first !== BEGIN_PATCH) {
    return Result.fail(invalidPatch("The first line of the patch must be '*** Begin Patch'"))
  }
  return Result.fail(invalidPatch("The last line of the patch must be '*** End Patch'"))
}

/** Like `strictBody`, but a patch wrapped in a heredoc (`<<'EOF'` … `EOF`, at least 4 lines) is unwrapped first. */
const lenientBody = (lines: ReadonlyArray<string>): Parsed<ReadonlyArray<string>> => {
  const strict = strictBody(lines)
  if (Result.isSuccess(strict) || lines.length < 4) return strict
  if (HEREDOC_OPENERS.has(lines[0]!) && lines[lines.length - 1]!.endsWith("EOF")) return strictBody(lines.slice(1, -1))
  return strict
}

/** Linux's longest file name (`NAME_MAX`, in bytes): longer components can never be created. */
const MAX_NAME_BYTES = 255

/**
 * Why the file system could never take `path` (a NUL byte, a name over `NAME_MAX`, a path over
 * `PATH_MAX`), or undefined. Refused here so the model reads a clear error, not an `ENAMETOOLONG`.
 */
const unusablePathReason = (path: string): string | undefined => {
  if (path.includes("\0")) return `the path '${path.replaceAll("\0", "\\0")}' contains a NUL byte`
  if (path.length > MAX_PATH_CHARS) return `the path is too long: ${path.length} characters, the limit is ${MAX_PATH_CHARS}`
  const long = path.split("/").find((name) => Buffer.byteLength(name) > MAX_NAME_BYTES)
  return long === undefined ? undefined : `the file name '${long.slice(0, 40)}…' is longer than ${MAX_NAME_BYTES} bytes`
}

/** A hunk and how many lines it took. */
interface Step<A> {
  readonly value: A
  readonly consumed: number
}

const parseChunk = (
  lines: ReadonlyArray<string>,
  start: number,
  lineNumber: number,
  allowMissingContext: boolean
): Parsed<Step<UpdateChunk>> => {
  const header = lines[start]!
  let changeContext: string | undefined
  let headerLines = 1
  if (header === "@@" || (header.startsWith("@@ ") && header.slice(3).trim() === "")) {
    changeContext = undefined
  } else if (header.startsWith("@@ ")) {
    changeContext = header.slice(3)
  } else if (allowMissingContext) {
    headerLines = 0
  } else {
    return Result.fail(invalidHunk(lineNumber, `Expected update hunk to start with a @@ context marker, got: '${header}'`))
  }
  if (start + headerLines >= lines.length) {
    return Result.fail(invalidHunk(lineNumber + 1, "Update hunk does not contain any lines"))
  }
  const oldLines: Array<string> = []
  const newLines: Array<string> = []
  const ops: Array<DiffOp> = []
  let isEndOfFile = false
  let parsed = 0
  for (let index = start + headerLines; index < lines.length; index++) {
    const line = lines[index]!
    if (line.trim() === END_OF_FILE) {
      if (parsed === 0) return Result.fail(invalidHunk(lineNumber + 1, "Update hunk does not contain any lines"))
      isEndOfFile = true
      parsed++
      break
    }
    const marker = line[0]
    if (marker === undefined) {
      oldLines.push("")
      newLines.push("")
      ops.push(EQUAL)
    } else if (marker === " ") {
      oldLines.push(line.slice(1))
      newLines.push(line.slice(1))
      ops.push(EQUAL)
    } else if (marker === "+") {
      newLines.push(line.slice(1))
      ops.push(INSERT)
    } else if (marker === "-") {
      oldLines.push(line.slice(1))
      ops.push(DELETE)
    } else if (parsed === 0) {
      return Result.fail(invalidHunk(
        lineNumber + 1,
        `Unexpected line found in update hunk: '${line}'. Every line should start with ' ' (context line), '+' (added line), or '-' (removed line)`
      ))
    } else {
      // Any other line starts the next chunk or hunk.
      break
    }
    parsed++
  }
  return Result.succeed({ value: { changeContext, oldLines, newLines, ops, isEndOfFile }, consumed: headerLines + parsed })
}

const parseUpdate = (lines: ReadonlyArray<string>, start: number, lineNumber: number, path: string): Parsed<Step<Hunk>> => {
  let index = start + 1
  let movePath: string | undefined
  const moveLine = lines[index]?.trim()
  if (moveLine?.startsWith(MOVE_TO)) {
    movePath = moveLine.slice(MOVE_TO.length).trim()
    index++
  }
  const chunks: Array<UpdateChunk> = []
  while (index < lines.length) {
    const line = lines[index]!
    // Blank lines between chunks are skipped; a `*` line is the next hunk header (or garbage for the caller).
    if (line.trim() === "") {
      index++
      continue
    }
    if (line.startsWith("*")) break
    const chunk = parseChunk(lines, index, lineNumber + (index - start), chunks.length === 0)
    if (Result.isFailure(chunk)) return Result.fail(chunk.failure)
    chunks.push(chunk.success.value)
    index += chunk.success.consumed
  }
  if (chunks.length === 0) return Result.fail(invalidHunk(lineNumber, `Update file hunk for path '${path}' is empty`))
  return Result.succeed({ value: { _tag: "UpdateFile", path, movePath, chunks }, consumed: index - start })
}

const parseHunk = (lines: ReadonlyArray<string>, start: number, lineNumber: number): Parsed<Step<Hunk>> => {
  const header = lines[start]!.trim()
  if (header.startsWith(ADD_FILE)) {
    let contents = ""
    let index = start + 1
    while (index < lines.length && lines[index]!.startsWith("+")) contents += `${lines[index++]!.slice(1)}\n`
    return Result.succeed({ value: { _tag: "AddFile", path: header.slice(ADD_FILE.length), contents }, consumed: index - start })
  }
  if (header.startsWith(DELETE_FILE)) {
    return Result.succeed({ value: { _tag: "DeleteFile", path: header.slice(DELETE_FILE.length) }, consumed: 1 })
  }
  if (header.startsWith(UPDATE_FILE)) return parseUpdate(lines, start, lineNumber, header.slice(UPDATE_FILE.length))
  return Result.fail(invalidHunk(lineNumber, `'${header}' is not a valid hunk header. Valid hunk headers: ${VALID_HEADERS}`))
}

/**
 * Parses a patch. Line numbers in errors count the `*** Begin Patch` line as 1 (after a heredoc
 * wrapper is removed). Unlike the reference, blank lines between hunks are skipped rather than
 * rejected as invalid hunk headers.
 */
export const parsePatch = (text: string): Result.Result<ReadonlyArray<Hunk>, PatchParseError> => {
  const trimmed = text.trim()
  const body = lenientBody(trimmed === "" ? [] : trimmed.split(/\r?\n/))
  if (Result.isFailure(body)) return Result.fail(body.failure)
  const lines = body.success
  const hunks: Array<Hunk> = []
  let chunks = 0
  let index = 0
  while (index < lines.length) {
    if (lines[index]!.trim() === "") {
      index++
      continue
    }
    const hunk = parseHunk(lines, index, index + 2)
    if (Result.isFailure(hunk)) return Result.fail(hunk.failure)
    const invalidPath = [hunk.success.value.path, ...(hunk.success.value._tag === "UpdateFile" ? [hunk.success.value.movePath] : [])]
      .flatMap((path) => path === undefined ? [] : [unusablePathReason(path)])
      .find((reason) => reason !== undefined)
    if (invalidPath !== undefined) return Result.fail(invalidHunk(index + 2, invalidPath))
    hunks.push(hunk.success.value)
    if (hunks.length > MAX_PATCH_HUNKS) return Result.fail(invalidPatch(overLimit("the patch", hunks.length, MAX_PATCH_HUNKS, "file hunks or more")))
    chunks += hunk.success.value._tag === "UpdateFile" ? hunk.success.value.chunks.length : 0
    if (chunks > MAX_PATCH_CHUNKS) return Result.fail(invalidPatch(overLimit("the patch", chunks, MAX_PATCH_CHUNKS, "@@ chunks")))
    index += hunk.success.consumed
  }
  return Result.succeed(hunks)
}
