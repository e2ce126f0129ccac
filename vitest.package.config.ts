import { defineConfig } from "vitest/config"
import base, { packageTest } from "./vitest.config.js"

/** `npm run test:package`: only the packed-tarball install, which reaches the npm registry. */
export default defineConfig({ test: { ...base.test, include: [packageTest], exclude: [] } })
