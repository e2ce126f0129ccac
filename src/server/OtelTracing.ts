/**
 * Traces out over OTLP when config.toml's `[otel]` asks for it (see `OtelConfig`): every turn, model
 * request, tool call, command, patch and approval wait is a span, exported by effect's own OTLP tracer.
 * Read once at start, from config.toml alone (`-c` overrides do not reach it): the tracer is the process's.
 * Off by default, and then nothing is loaded: a config.toml that never mentions `otel` is not even parsed
 * here, and the exporter's modules are imported only when one is configured.
 */
import { join } from "node:path"
import { Effect, Layer } from "effect"
import { parse } from "smol-toml"
import { otelSettingsOf } from "../config/OtelConfig.js"
import { readUntrustedFileSync } from "../files/UntrustedFile.js"
import { VERSION } from "../version.js"

const CONFIG_TOML_MAX_BYTES = 4 * 1024 * 1024

/** The tracer of `[otel]` in `codexHome`'s config.toml, or nothing; a problem there is a warning, never a failure. */
export const otelTracingLayer = (codexHome: string): Layer.Layer<never> =>
  Layer.unwrap(Effect.suspend(() => {
    const bytes = readUntrustedFileSync(join(codexHome, "config.toml"), { maxBytes: CONFIG_TOML_MAX_BYTES })
    if (!Buffer.isBuffer(bytes)) return Effect.succeed(Layer.empty)
    const text = bytes.toString("utf8")
    if (!text.includes("otel")) return Effect.succeed(Layer.empty)
    let table
    try {
      table = parse(text)
    } catch {
      // A broken config.toml is reported where it is used (per call); traces just stay off.
      return Effect.succeed(Layer.empty)
    }
    const settings = otelSettingsOf(table)
    if (typeof settings === "string") return Effect.as(Effect.logWarning(`${settings}; traces are not exported`), Layer.empty)
    const exporter = settings.exporter
    switch (exporter.kind) {
      case "none":
        return Effect.succeed(Layer.empty)
      case "otlp-grpc":
        return Effect.as(
          Effect.logWarning("[otel] otlp-grpc is not supported yet; traces are not exported (otlp-http is)"),
          Layer.empty
        )
      case "otlp-http":
        return Effect.promise(() => Promise.all([import("effect/observability"), import("effect/http")])).pipe(
          Effect.map(([{ OtlpSerialization, OtlpTracer }, { FetchHttpClient }]) =>
            OtlpTracer.layer({
              url: exporter.endpoint,
              headers: exporter.headers,
              resource: {
                serviceName: "codex-effect",
                serviceVersion: VERSION,
                attributes: { "deployment.environment.name": settings.environment }
              }
            }).pipe(
              Layer.provide(exporter.protocol === "json" ? OtlpSerialization.layerJson : OtlpSerialization.layerProtobuf),
              Layer.provide(FetchHttpClient.layer)
            )
          )
        )
    }
  }))
