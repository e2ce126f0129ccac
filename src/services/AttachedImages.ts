/**
 * A request's local images, read before its input is submitted: a path that is not a small regular file
 * fails the request that names it (the conversation itself would only log it and send the turn without
 * the image). The faces call this instead of reading files themselves.
 */
import { Effect, Schema } from "effect"
import { localImageDataUrl } from "../agent/InputMessages.js"
import type { InputItem } from "../rpc/Op.js"

/** The image of item `index` cannot be attached; `message` says why. */
export class ImageNotAttached extends Schema.TaggedError<ImageNotAttached>()("ImageNotAttached", {
  index: Schema.Number,
  message: Schema.String
}) {}

/** The items with their local images read (relative to `cwd`) into data URLs; none of the server's secrets (see `ModelReadable`). */
export const attachLocalImages = (items: ReadonlyArray<InputItem>, cwd: string, codexHome: string) =>
  Effect.forEach(items, (item, index) =>
    item.type !== "local_image"
      ? Effect.succeed(item)
      : localImageDataUrl(item.path, cwd, codexHome).pipe(
        Effect.map((url): InputItem => ({ type: "image", image_url: url })),
        Effect.mapError((error) => new ImageNotAttached({ index, message: error.message }))
      ))
