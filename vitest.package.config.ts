import { defineConfig, mergeConfig } from "vitest/config"
import base, { packageTest } from "./vitest.config.js"

/** `npm run test:package`: only the packed-tarball install, which reaches the npm registry. */
export default mergeConfig(base, defineConfig({ test: { include: [packageTest], exclude: [] } }))
