/**
 * The names users give threads (`thread/name/set`), kept where the reference keeps them:
 * `$CODEX_HOME/session_index.jsonl`, one `{id, thread_name, updated_at}` line appended per change, the
 * last line of an id winning. Lines that do not parse (a write cut short) are skipped.
 */
import { appendFileSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { Context, Effect, Layer, Schema } from "effect"
import { Config } from "./Config.js"

export class ThreadNameError extends Schema.TaggedError<ThreadNameError>()("ThreadNameError", {
  message: Schema.String
}) {}

const IndexLine = Schema.Struct({ id: Schema.String, thread_name: Schema.NullOr(Schema.String) })
const decodeLine = Schema.decodeUnknownOption(Schema.fromJsonString(IndexLine))

export class ThreadNames extends Context.Service<ThreadNames, {
  readonly set: (threadId: string, name: string) => Effect.Effect<void, ThreadNameError>
  /** Every named thread's name, by id. */
  readonly all: Effect.Effect<ReadonlyMap<string, string>>
}>()("codex-effect/ThreadNames") {
  static readonly layer = Layer.effect(ThreadNames, Effect.gen(function*() {
    const path = join((yield* Config).codexHome, "session_index.jsonl")

    const set = Effect.fn("ThreadNames.set")(function*(threadId: string, name: string) {
      const line = JSON.stringify({ id: threadId, thread_name: name, updated_at: new Date().toISOString() })
      yield* Effect.try({
        try: () => appendFileSync(path, `${line}\n`, { mode: 0o600 }),
        catch: (error) => new ThreadNameError({ message: `cannot save the thread name in ${path}: ${String(error)}` })
      })
    })

    const all = Effect.sync(() => {
      const names = new Map<string, string>()
      let text: string
      try {
        text = readFileSync(path, "utf8")
      } catch {
        return names
      }
      for (const line of text.split("\n")) {
        const entry = decodeLine(line)
        if (entry._tag === "None") continue
        if (entry.value.thread_name === null) names.delete(entry.value.id)
        else names.set(entry.value.id, entry.value.thread_name)
      }
      return names
    })

    return ThreadNames.of({ set, all })
  }))
}
