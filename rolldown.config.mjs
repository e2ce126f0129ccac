/**
 * The bundle: `src/bin.ts` as `dist/codex-effect.mjs`, every other module in chunks under `dist/cli/`
 * (the ones a command does not need stay unloaded: see docs/performance.md).
 */
import { defineConfig } from "rolldown"

/**
 * effect/cli builds an `Intl.Segmenter` when its output module is evaluated, which every start does:
 * the first segmenter loads ICU's break-iterator data, 10–30 ms before the server can answer. Only
 * help and error output measure text with it, so it is built on first use instead. The build fails if
 * the declaration changes, so an effect upgrade cannot silently bring the cost back.
 */
const lazyGraphemeSegmenter = {
  name: "lazy-grapheme-segmenter",
  transform: {
    filter: { id: /effect[\\/]dist[\\/]cli[\\/]CliOutput\.js$/ },
    handler(code) {
      const eager = /const graphemeSegmenter = \/\*#__PURE__\*\/new Intl\.Segmenter\(undefined, \{\s*granularity: "grapheme"\s*\}\);/
      if (!eager.test(code)) throw new Error("effect/cli CliOutput.js: the graphemeSegmenter declaration changed; update rolldown.config.mjs")
      return code.replace(
        eager,
        "let graphemeSegmenterMade;\n" +
          "const graphemeSegmenter = { segment: (text) => (graphemeSegmenterMade ??= new Intl.Segmenter(undefined, { granularity: \"grapheme\" })).segment(text) };"
      )
    }
  }
}

export default defineConfig({
  input: "src/bin.ts",
  platform: "node",
  plugins: [lazyGraphemeSegmenter],
  output: {
    dir: "dist",
    format: "esm",
    entryFileNames: "codex-effect.mjs",
    chunkFileNames: "cli/[name].mjs",
    comments: false,
    charset: "ascii",
    sourcemap: true,
    // Every loaded chunk's source stays in V8's heap, and a start without a compile cache parses it all;
    // names of functions and classes are kept for stack traces.
    minify: { compress: true, mangle: { keepNames: true }, codegen: { removeWhitespace: true } }
  }
})
