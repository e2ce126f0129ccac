/**
 * User input → the user message the model sees: every item of one submission becomes one
 * `message` with `input_text` / `input_image` parts. Local images are inlined as data URLs when the
 * input is submitted: the path comes from a client, so the file is read as an untrusted one (a
 * regular file of at most `IMAGE_MAX_BYTES`, off the event loop).
 */
import { extname, resolve } from "node:path"
import { Effect } from "effect"
import { readableForModel } from "../files/ModelReadable.js"
import { readUntrustedFile } from "../files/UntrustedFile.js"
import { MAX_HISTORY_CHARS, overLimit } from "../model/ModelOutputLimits.js"
import type { ResponseItem } from "../model/ResponseItem.js"
import type { InputItem } from "../rpc/Op.js"

const IMAGE_TYPES: Record<string, string> = {
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".bmp": "image/bmp",
  ".svg": "image/svg+xml"
}

type ContentPart =
  | { readonly type: "input_text"; readonly text: string }
  | { readonly type: "input_image"; readonly image_url: string }

/** The largest local image attached (the provider's own per-image limit). */
export const IMAGE_MAX_BYTES = 20 * 1024 * 1024

/** Input whose local images have been read: what a task's user message is made of. */
export type InlineInputItem = Exclude<InputItem, { readonly type: "local_image" }>

/**
 * The image at `path` (relative to `cwd`) as a data URL; fails when it is not a readable regular file within
 * the cap, or when the file opened is one of the server's secrets (see `ModelReadable`): the path is the
 * client's, but the file there may be a link a command left in the workspace.
 */
export const localImageDataUrl = (path: string, cwd: string, codexHome: string) => {
  const absolute = resolve(cwd, path)
  const mime = IMAGE_TYPES[extname(absolute).toLowerCase()] ?? "application/octet-stream"
  return readUntrustedFile(absolute, { maxBytes: IMAGE_MAX_BYTES }, readableForModel(codexHome)).pipe(
    Effect.map((bytes) => `data:${mime};base64,${bytes.toString("base64")}`)
  )
}

/**
 * Local images replaced by inline ones. An image that cannot be attached is left out with a warning,
 * as the reference does (the rest of the input still goes through); the conversation API refuses
 * such a request up front instead. So is an image past what the history holds (`MAX_HISTORY_CHARS`):
 * a hundred 20 MiB images in one input would otherwise be held at once.
 */
export const inlineLocalImages = Effect.fn("InputMessages.inlineLocalImages")(function*(
  items: ReadonlyArray<InputItem>,
  cwd: string,
  codexHome: string
) {
  const inline: Array<InlineInputItem> = []
  // One input joins the history whole: its images stop where the history's cap would be passed.
  let chars = 0
  for (const item of items) {
    if (item.type !== "local_image") {
      inline.push(item)
      chars += item.type === "text" ? item.text.length : item.image_url.length
      continue
    }
    const url = yield* localImageDataUrl(item.path, cwd, codexHome).pipe(Effect.result)
    if (url._tag === "Failure") {
      yield* Effect.logWarning(`image not attached: ${url.failure.message}`)
    } else if (chars + url.success.length > MAX_HISTORY_CHARS) {
      yield* Effect.logWarning(`image not attached: ${overLimit("the input's images", chars + url.success.length, MAX_HISTORY_CHARS, "characters")}`)
    } else {
      inline.push({ type: "image", image_url: url.success })
      chars += url.success.length
    }
  }
  return inline
})

export const userMessageFromInput = (items: ReadonlyArray<InlineInputItem>): ResponseItem => ({
  type: "message",
  role: "user",
  content: items.map((item): ContentPart =>
    item.type === "text" ? { type: "input_text", text: item.text } : { type: "input_image", image_url: item.image_url }
  )
})

/** A plain-text user message (context messages, prompts). */
export const userTextMessage = (text: string): ResponseItem => ({
  type: "message",
  role: "user",
  content: [{ type: "input_text", text }]
})

/** A developer message: instructions from whoever set the conversation up, above the user's. */
export const developerTextMessage = (text: string): ResponseItem => ({
  type: "message",
  role: "developer",
  content: [{ type: "input_text", text }]
})
