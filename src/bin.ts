#!/usr/bin/env node
/**
 * The `codex-effect` executable. It first checks the Node version: the CLI needs Node 22.19 or newer
 * (`@effect/platform-node` does, and on Node 20 its HTTP client crashes mid-request), so an older
 * Node gets a clear message and exit code 1 instead of a server that half works. This file must parse
 * on old Node versions, so it stays plain: no syntax newer than Node 18's.
 *
 * Then it turns on Node's compile cache before loading the CLI (src/main.ts), so every start after
 * the first reuses the compiled code instead of compiling the bundle again; that compilation is most
 * of a cold start. The cache is code the server runs, so it lives only where no sandboxed command can
 * write (`CODEX_HOME/node-compile-cache`, checked at each start: see `CompileCacheDir`); without such a
 * place the server starts without it. `NODE_DISABLE_COMPILE_CACHE=1` turns it off.
 */
import { existsSync } from "node:fs"
import * as NodeModule from "node:module"
import * as v8 from "node:v8"
import { fileURLToPath } from "node:url"
import { APPLY_PATCH_IN_SANDBOX, registerPatchApplierEntry } from "./agent/patch/PatchApplierEntry.js"
import { refuseInstalledModules } from "./BundledModulesOnly.js"
import { compileCacheDir } from "./CompileCacheDir.js"

const REQUIRED = [22, 19]

const [major = 0, minor = 0] = process.versions.node.split(".").map(Number)
if (major < REQUIRED[0]! || (major === REQUIRED[0] && minor < REQUIRED[1]!)) {
  const script = fileURLToPath(import.meta.url)
  // In a checkout, npm installs the pinned Node next to the bundle (`node` is a devDependency).
  const pinned = fileURLToPath(new URL("../node_modules/node/bin/node", import.meta.url))
  const hint = existsSync(pinned)
    ? `Run it with the Node this project pins: ${pinned} ${script} (or \`npm start\` in the project).`
    : `Install Node 22.19 or newer (e.g. Node 24), or run it with \`npx -y node@24 ${script}\`.`
  process.stderr.write(
    `codex-effect needs Node.js 22.19 or newer; this is Node ${process.versions.node} (${process.execPath}).\n${hint}\n`
  )
  process.exit(1)
}

// Before any other module of the CLI loads: nothing is ever looked up in a `node_modules` (see `BundledModulesOnly`).
refuseInstalledModules()

// The patch applier the server starts inside a command's sandbox: no compile cache, no CLI, none
// of what follows; it exits when done.
if (process.argv[2] === APPLY_PATCH_IN_SANDBOX) await import("./agent/patch/SandboxedPatchMain.js")

// Node's own modules that the start loads, loaded before the V8 flags below change: Node ships them
// precompiled, and V8 takes that code only under the flags it was made with, so each one loaded after
// a flag changes is compiled from source (see docs/performance.md). `tls` is left out: only a model
// request or NODE_EXTRA_CA_CERTS needs it.
// Imported as the bundle imports them: an import runs every lazy getter of the module (util's, crypto's).
await Promise.all(["child_process", "crypto", "fs/promises", "readline", "stream", "stream/consumers", "util"].map((name) =>
  import(`node:${name}`)
))

// For a server, which runs long. `exec` (as the SDK runs it: `codex-effect exec ...`) runs one turn and
// exits: it keeps V8's defaults, so the modules its turn loads (fetch's, ~1 MB) keep Node's precompiled
// code (exec turn: 30% less main-thread time).
if (process.argv[2] !== "exec") {
  // The server allocates steadily (every request resends the history) and keeps little: left alone, V8
  // grows the young generation to 64 MiB for it, which stays resident. At its initial size the server
  // keeps the same speed (bench: 200-turn conversation, peak RSS 143 -> 119 MiB, same latency).
  v8.setFlagsFromString("--semi-space-growth-factor=1")
  // The old generation likewise: by default V8 lets it grow well past the live data before a full
  // collection, so the garbage of past requests stays resident (200-turn conversation: peak 130 ->
  // 115 MiB, +178 -> +27 KiB per turn, same latency). `--optimize-for-size` saves as much but halves
  // streaming throughput. Set before the compile cache is enabled, the flags key its cache directory.
  v8.setFlagsFromString("--heap-growing-percent=10")
  // Not `--memory-saver-mode`: it saves memory over long conversations (docs/performance.md) but under load a
  // process set with it at times never exits (the main thread joins a V8 worker that waits forever).
  // No Maglev (V8's mid-tier compiler; hot code goes from baseline to TurboFan). Under load its background
  // jobs pile up (244 queued at once, 21 MiB of compilation zones, seen with --trace-zone-stats) and the
  // worker arenas that held them stay resident: 200-turn conversation, RSS growth over turns 101–200
  // 10–26 KiB a turn instead of 62–76, with turn latency and streaming throughput the same within noise.
  v8.setFlagsFromString("--no-maglev")
  // Node's fetch parses HTTP with llhttp compiled to WebAssembly. Once its parse function has run enough, V8
  // recompiles it with its optimizing compiler on a worker thread: a 24 MiB compilation zone whose memory then
  // stays in that thread's malloc arena (a ~20 MiB step in peak RSS). A bigger tiering budget only delays it
  // (to ~200 model requests), and set at run time `--liftoff-only` or `--no-wasm-tier-up` alone do not stop it:
  // both tiering flags must be off. The baseline (Liftoff) code parses as fast for what a server streams.
  v8.setFlagsFromString("--no-wasm-dynamic-tiering")
  v8.setFlagsFromString("--no-wasm-tier-up")
  // No inlining in optimized code. Compiling a hot function with its callees inlined takes megabytes of
  // compilation zone on a worker thread, which shows in peak RSS and stays in that thread's malloc arena:
  // 200-turn conversation, RSS growth over turns 101–200 12–16 KiB a turn (five runs) instead of 13–31,
  // with streaming throughput, call and turn latency the same within noise (A/B, two rounds of 5 runs).
  v8.setFlagsFromString("--no-turbo-inlining")
  // Lets the server collect its old generation between turns (`TurnEndCollection`). Set here, with the
  // others, so no module is compiled under different flags; it adds nothing to the server's own context.
  v8.setFlagsFromString("--expose-gc")
}

registerPatchApplierEntry(fileURLToPath(import.meta.url))

// A namespace import: a named one would fail to link on a Node without it, before the check above runs.
// Never Node's default directory: that is under /tmp, which sandboxed commands may write.
const cacheDir = compileCacheDir(process.env)
if (cacheDir !== undefined) NodeModule.enableCompileCache(cacheDir)
await import("./main.js")
// Node writes the cache only at a clean exit; MCP clients often end a server with a signal, which
// would leave every later start compiling again. The CLI is loaded by now, so write it at once.
NodeModule.flushCompileCache()
