/** `[otel]` as the Codex CLI writes it: which exporter sends traces, and what a wrong shape says. */
import { assert, describe, it } from "@effect/vitest"
import { parse } from "smol-toml"
import { otelSettingsOf } from "../../src/config/OtelConfig.js"

const settings = (toml: string) => otelSettingsOf(parse(toml))

describe("otelSettingsOf", () => {
  it("is off without [otel], with exporter = \"none\" and with the Codex CLI's statsig", () => {
    assert.deepStrictEqual(settings(""), { exporter: { kind: "none" }, environment: "dev" })
    assert.deepStrictEqual(settings("[otel]\nexporter = \"none\""), { exporter: { kind: "none" }, environment: "dev" })
    assert.deepStrictEqual(settings("[otel]\nexporter = \"statsig\""), { exporter: { kind: "none" }, environment: "dev" })
  })

  it("reads otlp-http (protobuf unless protocol = \"json\") and otlp-grpc, with headers and environment", () => {
    assert.deepStrictEqual(
      settings(`[otel]\nenvironment = "prod"\nexporter = { otlp-http = { endpoint = "http://h/v1/traces", headers = { "x-k" = "v" } } }`),
      { exporter: { kind: "otlp-http", endpoint: "http://h/v1/traces", headers: { "x-k": "v" }, protocol: "binary" }, environment: "prod" }
    )
    assert.deepStrictEqual(
      settings(`[otel.exporter.otlp-http]\nendpoint = "http://h"\nprotocol = "json"`),
      { exporter: { kind: "otlp-http", endpoint: "http://h", headers: {}, protocol: "json" }, environment: "dev" }
    )
    assert.deepStrictEqual(
      settings(`[otel]\nexporter = { otlp-grpc = { endpoint = "http://h:4317" } }`),
      { exporter: { kind: "otlp-grpc", endpoint: "http://h:4317", headers: {} }, environment: "dev" }
    )
  })

  it("prefers trace_exporter over exporter (which the Codex CLI also uses for its log events)", () => {
    const result = settings(`[otel]\nexporter = "none"\ntrace_exporter = { otlp-http = { endpoint = "http://t" } }`)
    assert.strictEqual(typeof result !== "string" && result.exporter.kind, "otlp-http")
  })

  it("says what is wrong with a shape it does not know", () => {
    assert.strictEqual(settings("otel = 1"), "[otel] must be a table")
    assert.match(String(settings("[otel]\nexporter = \"otlp\"")), /^\[otel\] exporter: expected "none"/)
    assert.match(String(settings("[otel]\ntrace_exporter = { otlp-http = {} }")), /^\[otel\] trace_exporter: `endpoint`/)
    assert.match(String(settings("[otel]\nexporter = { otlp-http = { endpoint = \"x\", protocol = \"grpc\" } }")), /`protocol` must be/)
  })
})
