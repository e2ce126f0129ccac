/**
 * How this program introduces itself to a model provider on every request: the `originator` header
 * (the reference sends `codex_cli_rs`; this is our own name) and a `User-Agent` naming the version,
 * the operating system, the architecture and the Node.js runtime, so a provider's logs can tell
 * clients apart.
 */
import { arch, release, type } from "node:os"
import { VERSION } from "../version.js"

/**
 * `codex_effect`, unless `CODEX_INTERNAL_ORIGINATOR_OVERRIDE` names another: the official Codex SDK sets
 * it (`codex_sdk_ts`) on the process it runs, so a provider can tell SDK traffic apart, as with the reference.
 */
export const ORIGINATOR = process.env.CODEX_INTERNAL_ORIGINATOR_OVERRIDE || "codex_effect"

/** `codex-effect/<version> (<os> <os version>; <arch>) node/<version>`. */
export const USER_AGENT = `codex-effect/${VERSION} (${type()} ${release()}; ${arch()}) node/${process.versions.node}`

/** The identity headers; the provider's own `http_headers` may override them. */
export const identityHeaders = (): Record<string, string> => ({ originator: ORIGINATOR, "User-Agent": USER_AGENT })
