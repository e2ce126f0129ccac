// Runs a real MCP server (argv[3..]) and appends every line its client sends to the file argv[2], so a
// test can see what reached the server (a `notifications/cancelled`, say) without mocking it.
import { spawn } from "node:child_process"
import { appendFileSync } from "node:fs"

const [log, command, ...args] = process.argv.slice(2)
const server = spawn(command, args, { stdio: ["pipe", "inherit", "inherit"] })
let pending = ""
process.stdin.on("data", (chunk) => {
  pending += chunk.toString("utf8")
  let newline
  while ((newline = pending.indexOf("\n")) !== -1) {
    appendFileSync(log, pending.slice(0, newline + 1))
    pending = pending.slice(newline + 1)
  }
  server.stdin.write(chunk)
})
process.stdin.on("end", () => server.stdin.end())
server.on("exit", (code) => process.exit(code ?? 1))
