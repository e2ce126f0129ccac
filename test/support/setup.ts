/**
 * Runs before every test file (vitest `setupFiles`): temp directories made with `makeTempDir` are
 * removed when the file ends, and Node's compile cache of the spawned server goes to
 * `node_modules/.cache/` instead of `TMPDIR`.
 */
import { resolve } from "node:path"
import { afterAll } from "vitest"
import { removeTempDirs } from "./TempDirs.js"

process.env.NODE_COMPILE_CACHE ??= resolve(import.meta.dirname, "../../node_modules/.cache/node-compile-cache")

afterAll(removeTempDirs)
