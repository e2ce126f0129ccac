// Lists import cycles among the modules under src/ (type-only and dynamic imports included: they tie modules
// together as much as value imports do), imports that break the layering rules below, and text the cluster's code
// may not contain. Exits 1 when there is any. Usage: node scripts/import-cycles.mjs
import { readdirSync, readFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"

const root = resolve(import.meta.dirname, "..", "src")
const files = readdirSync(root, { recursive: true }).filter((f) => f.endsWith(".ts")).map((f) => join(root, f))
const known = new Set(files)
const specifier = /(?:(?:import|export)\s[^"']*?from\s*|import\(\s*)["'](\.{1,2}\/[^"']+)["']/g

// Which folders of src/ may not import which (paths relative to src/, a trailing "/" for a folder). A protocol
// face is a thin adapter: it reaches conversations through ConversationManager, never their files or internals.
const rules = [
  {
    from: ["server/", "faces/"],
    forbidden: ["persistence/", "cluster/", "mcp/", "agent/"],
    allowed: ["agent/conversation/Conversation.ts", "agent/exec/ShellQuote.ts"],
    why: "transports and faces reach conversations through ConversationManager and the Conversation's public type"
  },
  { from: ["server/Router.ts", "faces/"], forbidden: ["server/LineReader.ts"], why: "NDJSON framing is the stdio transport's: routers and faces see messages" },
  { from: ["faces/mcp/"], forbidden: ["faces/conversation-api/"], why: "one face does not use another" },
  { from: ["faces/conversation-api/"], forbidden: ["faces/mcp/"], why: "one face does not use another" },
  { from: ["model/"], forbidden: ["config/"], why: "the model client knows its provider, not the config file" },
  { from: ["config/"], forbidden: ["mcp/"], why: "reading config.toml does not load the MCP feature" },
  { from: ["services/"], forbidden: ["cluster/"], why: "the single-process agent does not import the cluster; the entry point wires it in" },
  { from: ["agent/", "model/", "rpc/", "persistence/", "files/"], forbidden: ["server/", "faces/"], why: "the core never imports a protocol face" }
]
// Packages a face may not import: a face never touches files, processes or the model directly.
const faceForbiddenPackages = ["node:fs", "node:fs/promises", "node:child_process", "openai"]
// Text the cluster's code may not contain: its failures stay typed, and its entity uses the wire Schemas.
const clusterForbiddenText = [
  { text: /\borDie\b/, why: "a failure on the cluster path is typed (ConversationUnavailable, a start error), not a defect" },
  { text: /Schema\.Unknown as unknown as/, why: "the cluster entity uses the Event, Op and ResponseItem Schemas" }
]
const packageSpecifier = /(?:(?:import|export)\s[^"']*?from\s*|import\(\s*)["']([^."'][^"']*)["']/g
const matches = (path, prefixes) => prefixes.some((prefix) => prefix.endsWith("/") ? path.startsWith(prefix) : path === prefix)
const violations = []

const edges = new Map(files.map((file) => {
  const text = readFileSync(file, "utf8")
  const targets = [...text.matchAll(specifier)]
    .map((match) => resolve(dirname(file), match[1].replace(/\.js$/, ".ts")))
    .filter((target) => known.has(target))
  return [file, [...new Set(targets)]]
}))

// Tarjan's strongly connected components: every component of more than one module is a cycle.
let index = 0
const indices = new Map()
const lowlinks = new Map()
const stack = []
const onStack = new Set()
const cycles = []
const visit = (file) => {
  indices.set(file, index)
  lowlinks.set(file, index++)
  stack.push(file)
  onStack.add(file)
  for (const target of edges.get(file)) {
    if (!indices.has(target)) {
      visit(target)
      lowlinks.set(file, Math.min(lowlinks.get(file), lowlinks.get(target)))
    } else if (onStack.has(target)) lowlinks.set(file, Math.min(lowlinks.get(file), indices.get(target)))
  }
  if (lowlinks.get(file) !== indices.get(file)) return
  const component = []
  let member
  do {
    member = stack.pop()
    onStack.delete(member)
    component.push(member)
  } while (member !== file)
  if (component.length > 1 || edges.get(file).includes(file)) cycles.push(component)
}
for (const file of files) if (!indices.has(file)) visit(file)

for (const [file, targets] of edges) {
  const from = relative(root, file)
  for (const target of targets.map((target) => relative(root, target))) {
    for (const rule of rules) {
      if (matches(from, rule.from) && matches(target, rule.forbidden) && !matches(target, rule.allowed ?? [])) {
        violations.push(`${from} imports ${target}: ${rule.why}`)
      }
    }
  }
}

for (const file of files) {
  const from = relative(root, file)
  if (!from.startsWith("faces/")) continue
  for (const match of readFileSync(file, "utf8").matchAll(packageSpecifier)) {
    if (faceForbiddenPackages.includes(match[1])) violations.push(`${from} imports ${match[1]}: a face never touches files, processes or the model`)
  }
}

for (const file of files) {
  const from = relative(root, file)
  if (!from.startsWith("cluster/")) continue
  const text = readFileSync(file, "utf8")
  for (const rule of clusterForbiddenText) if (rule.text.test(text)) violations.push(`${from} contains ${rule.text.source}: ${rule.why}`)
}

for (const cycle of cycles) console.log(`cycle: ${cycle.map((file) => relative(root, file)).sort().join(", ")}`)
for (const violation of violations) console.log(`rule: ${violation}`)
console.log(`${files.length} modules, ${cycles.length} import cycle(s), ${violations.length} import rule violation(s)`)
process.exitCode = cycles.length === 0 && violations.length === 0 ? 0 : 1
