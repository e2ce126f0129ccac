/**
 * A request's local images, read before its input is submitted: a path that is not a small regular file
 * fails the request that names it (the conversation itself would only log it and send the turn without
 * the image). The faces call this instead of reading files themselves.
 */
import { Effect, Schema } from "effect"
import { localImageDataUrl } from "../agent/InputMessages.js"
import { MAX_HISTORY_CHARS, overLimit } from "../model/ModelOutputLimits.js"
import type { InputItem } from "../rpc/Op.js"

/** The image of item `index` cannot be attached; `message` says why. */
export class ImageNotAttached extends Schema.TaggedError<ImageNotAttached>()("ImageNotAttached", {
  index: Schema.Number,
  message: Schema.String
}) {}

/**
 * The items with their local images read (relative to `cwd`) into data URLs; none of the server's secrets
 * (see `ModelReadable`). The input joins the history whole, so an image that would take it past what the
 * history holds (`MAX_HISTORY_CHARS`) fails it too.
 */
export const attachLocalImages = (items: ReadonlyArray<InputItem>, cwd: string, codexHome: string) => {
  let chars = 0
  const counted = (item: InputItem, index: number): Effect.Effect<InputItem, ImageNotAttached> => {
    chars += item.type === "text" ? item.text.length : item.type === "image" ? item.image_url.length : 0
    return chars <= MAX_HISTORY_CHARS
      ? Effect.succeed(item)
      : Effect.fail(new ImageNotAttached({ index, message: overLimit("the input", chars, MAX_HISTORY_CHARS, "characters") }))
  }
  return Effect.forEach(items, (item, index) =>
    item.type !== "local_image"
      ? counted(item, index)
      : localImageDataUrl(item.path, cwd, codexHome).pipe(
        Effect.map((url): InputItem => ({ type: "image", image_url: url })),
        Effect.mapError((error) => new ImageNotAttached({ index, message: error.message })),
        Effect.flatMap((attached) => counted(attached, index))
      ))
}
