/**
 * The CLI runs only its own bundle and Node's built-in modules: it never resolves a package from a
 * `node_modules` directory at run time. The bundle holds every dependency, but some of them still look
 * for optional packages (`ws` tries `bufferutil` and `utf-8-validate` when the HTTP transport loads it),
 * and Node looks for those in every `node_modules` above the bundle. Wherever the CLI is installed — a
 * project's `node_modules`, a checkout the agent works on, a copy under `/tmp` — one of those
 * directories may be one a sandboxed command can write: a package planted there ran inside the server,
 * unsandboxed, with its API key. So a bare specifier that is not a built-in is refused before Node
 * looks anywhere; the optional packages' callers fall back to their plain JavaScript code.
 */
import * as NodeModule from "node:module"

/** Relative, absolute, `file:` and `node:` specifiers: the bundle's own chunks and Node's modules. */
const OWN_OR_BUILT_IN = /^(\.{1,2}\/|\/|file:|node:)/

/** Installs the refusal for every later `import` and `require` of this process. */
export const refuseInstalledModules = (): void => {
  NodeModule.registerHooks({
    resolve: (specifier, context, nextResolve) => {
      if (OWN_OR_BUILT_IN.test(specifier) || NodeModule.isBuiltin(specifier)) return nextResolve(specifier, context)
      throw Object.assign(new Error(`Cannot find module '${specifier}': codex-effect loads no installed package`), {
        code: "MODULE_NOT_FOUND"
      })
    }
  })
}
