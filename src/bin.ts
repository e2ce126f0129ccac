#!/usr/bin/env node
/**
 * The `codex-effect` executable. It turns on Node's compile cache before loading the CLI (src/main.ts),
 * so every start after the first reuses the compiled code instead of compiling the bundle again; that
 * compilation is most of a cold start. The cache lives in Node's default place (under the OS temp
 * directory, keyed by file contents and Node version) and `NODE_DISABLE_COMPILE_CACHE=1` turns it off.
 */
import * as NodeModule from "node:module"

// Older Node versions lack the cache; they start without it rather than fail here.
if ("enableCompileCache" in NodeModule) NodeModule.enableCompileCache()
await import("./main.js")
