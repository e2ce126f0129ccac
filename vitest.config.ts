import { configDefaults, defineConfig } from "vitest/config"

/** The packed-tarball install reaches the npm registry: it runs on its own (`npm run test:package`). */
export const packageTest = "test/e2e/package.test.ts"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: [...configDefaults.exclude, packageTest],
    setupFiles: ["test/support/setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
})
