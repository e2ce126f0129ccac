// Lists import cycles among the modules under src/ (type-only imports included: they tie modules
// together as much as value imports do). Exits 1 when there is a cycle. Usage: node scripts/import-cycles.mjs
import { readdirSync, readFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"

const root = resolve(import.meta.dirname, "..", "src")
const files = readdirSync(root, { recursive: true }).filter((f) => f.endsWith(".ts")).map((f) => join(root, f))
const known = new Set(files)
const specifier = /(?:import|export)\s[^"']*?from\s*["'](\.{1,2}\/[^"']+)["']/g

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

for (const cycle of cycles) console.log(`cycle: ${cycle.map((file) => relative(root, file)).sort().join(", ")}`)
console.log(`${files.length} modules, ${cycles.length} import cycle(s)`)
process.exitCode = cycles.length === 0 ? 0 : 1
