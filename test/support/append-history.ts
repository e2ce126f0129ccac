/**
 * A second writer for the message-history tests: appends `count` entries for `sessionId` to
 * `codexHome`'s history.jsonl through the built history module, as fast as it can, then exits.
 * Usage: node append-history.ts <codexHome> <sessionId> <count> [maxBytes]
 */
import { Effect } from "effect"
import type * as MessageHistory from "../../src/persistence/MessageHistory.js"

// The built module (the tests build first): Node runs this file as is, and the sources import `.js` paths.
const built = new URL("../../dist/src/persistence/MessageHistory.js", import.meta.url).href
const { appendHistoryEntry }: typeof MessageHistory = await import(built)

const [codexHome, sessionId, count, maxBytes] = process.argv.slice(2)
if (codexHome === undefined || sessionId === undefined || count === undefined) {
  process.stderr.write("usage: append-history.ts <codexHome> <sessionId> <count> [maxBytes]\n")
  process.exit(2)
}
for (let index = 0; index < Number(count); index++) {
  await Effect.runPromise(
    appendHistoryEntry(
      codexHome,
      { persistence: "save-all", maxBytes: maxBytes === undefined ? undefined : Number(maxBytes) },
      { sessionId, text: `${sessionId} line ${index}` }
    )
  )
}
