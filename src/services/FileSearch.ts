/**
 * Fuzzy search of file and directory paths under a set of roots, for the app-server's `fuzzyFileSearch`:
 * the query's characters must appear in order in the path relative to its root (case-insensitive); a
 * contiguous run, a match at a word start and a match in the last component score higher. The walk is
 * bounded (entries visited and results returned) so a search of a huge tree answers promptly; `.git`
 * directories are skipped, symlinks are listed but not followed.
 */
import { readdir } from "node:fs/promises"
import { basename, join } from "node:path"
import { Context, Effect, Layer } from "effect"

export interface FileMatch {
  readonly root: string
  /** Relative to `root`, `/`-separated. */
  readonly path: string
  readonly matchType: "file" | "directory"
  readonly fileName: string
  readonly score: number
  /** Positions in `path` of the query's characters. */
  readonly indices: ReadonlyArray<number>
}

/** At most this many matches per search, best first. */
export const MAX_MATCHES = 50
/** At most this many entries visited per root. */
const MAX_VISITED = 50_000

const isBoundary = (path: string, index: number) => index === 0 || "/._- ".includes(path[index - 1]!)

/** Where `query` (lower case) matches `path`, and how well; undefined when it does not. */
export const matchPath = (query: string, path: string): { readonly score: number; readonly indices: Array<number> } | undefined => {
  if (query.length === 0) return undefined
  const lower = path.toLowerCase()
  const nameStart = path.lastIndexOf("/") + 1
  // A contiguous occurrence beats any scattered one: the best-placed one counts.
  let best: { score: number; indices: Array<number> } | undefined
  for (let at = lower.indexOf(query); at !== -1; at = lower.indexOf(query, at + 1)) {
    const score = 16 * query.length + (isBoundary(path, at) ? 8 : 0) + (at >= nameStart ? 8 : 0)
    if (best === undefined || score > best.score) best = { score, indices: Array.from(query, (_, i) => at + i) }
  }
  if (best !== undefined) return best
  const indices: Array<number> = []
  let score = 0
  for (let i = 0, from = 0; i < query.length; i++) {
    const at = lower.indexOf(query[i]!, from)
    if (at === -1) return undefined
    const previous = indices[indices.length - 1]
    score += (previous !== undefined && at === previous + 1 ? 12 : 4) + (isBoundary(path, at) ? 4 : 0)
    indices.push(at)
    from = at + 1
  }
  return { score, indices }
}

const searchRoot = async (root: string, query: string, found: Array<FileMatch>) => {
  const pending: Array<string> = [""]
  let visited = 0
  while (pending.length > 0 && visited < MAX_VISITED) {
    const relative = pending.shift()!
    const entries = await readdir(join(root, relative), { withFileTypes: true }).catch(() => [])
    for (const entry of entries) {
      if (++visited > MAX_VISITED) break
      const path = relative === "" ? entry.name : `${relative}/${entry.name}`
      const directory = entry.isDirectory()
      if (directory && entry.name !== ".git") pending.push(path)
      const match = matchPath(query, path)
      if (match === undefined) continue
      found.push({
        root,
        path,
        matchType: directory ? "directory" : "file",
        fileName: basename(path),
        score: match.score,
        indices: match.indices
      })
    }
  }
}

export class FileSearch extends Context.Service<FileSearch, {
  /** The best matches of `query` under `roots` (none for an empty query), best first, then by path. */
  readonly search: (query: string, roots: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<FileMatch>>
}>()("codex-effect/FileSearch") {
  static readonly layer = Layer.succeed(FileSearch, {
    search: Effect.fn("FileSearch.search")(function*(query: string, roots: ReadonlyArray<string>) {
      const lowered = query.toLowerCase()
      if (lowered.length === 0) return []
      const found: Array<FileMatch> = []
      yield* Effect.promise(() => Promise.all(roots.map((root) => searchRoot(root, lowered, found))))
      return found
        .sort((a, b) => b.score - a.score || a.path.length - b.path.length || a.path.localeCompare(b.path))
        .slice(0, MAX_MATCHES)
    })
  })
}
