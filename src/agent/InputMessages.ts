/**
 * User input → the user message the model sees: every item of one submission becomes one
 * `message` with `input_text` / `input_image` parts; local images are inlined as data URLs.
 */
import { readFileSync } from "node:fs"
import { extname, resolve } from "node:path"
import type { ResponseItem } from "../model/ResponseItem.js"
import type { ApiInputItem } from "../rpc/ConversationApi.js"
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

const localImage = (path: string, cwd: string): ContentPart | undefined => {
  const absolute = resolve(cwd, path)
  try {
    const mime = IMAGE_TYPES[extname(absolute).toLowerCase()] ?? "application/octet-stream"
    return { type: "input_image", image_url: `data:${mime};base64,${readFileSync(absolute).toString("base64")}` }
  } catch {
    // An unreadable image is skipped, as the reference does: the rest of the input still goes through.
    return undefined
  }
}

export const userMessageFromInput = (items: ReadonlyArray<InputItem>, cwd: string): ResponseItem => {
  const content: Array<ContentPart> = []
  for (const item of items) {
    if (item.type === "text") content.push({ type: "input_text", text: item.text })
    else if (item.type === "image") content.push({ type: "input_image", image_url: item.image_url })
    else {
      const image = localImage(item.path, cwd)
      if (image !== undefined) content.push(image)
    }
  }
  return { type: "message", role: "user", content }
}

/** A plain-text user message (context messages, prompts). */
export const userTextMessage = (text: string): ResponseItem => ({
  type: "message",
  role: "user",
  content: [{ type: "input_text", text }]
})

/** The conversation API's `{type, data}` items → the core's items. */
export const inputItemsFromApi = (items: ReadonlyArray<ApiInputItem>): ReadonlyArray<InputItem> =>
  items.map((item) => {
    switch (item.type) {
      case "text":
        return { type: "text", text: item.data.text }
      case "image":
        return { type: "image", image_url: item.data.image_url }
      case "localImage":
        return { type: "local_image", path: item.data.path }
    }
  })
