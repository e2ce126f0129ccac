/**
 * How runners talk to each other: effect's socket runner, over TLS 1.3 keyed by a pre-shared secret
 * (TLS-PSK) instead of plain TCP. A runner's port hosts whole conversations (their history, their
 * sandbox policy), so a peer that cannot prove it holds the cluster's secret must get nothing: the
 * handshake fails before effect's protocol sees a byte, and no certificate is involved (the server has
 * none, so a client without the key cannot complete any handshake). The traffic is also encrypted and
 * authenticated, so a network observer reads nothing either.
 *
 * This is `@effect/platform-node`'s `NodeClusterSocket.layer` (SQL storage, NDJSON, ping health checks)
 * with its socket server and client protocol replaced by TLS ones, and the runner storage's SQL failure
 * kept typed (effect's layer turns it into a defect) so `ClusterLayer` reports it as a start error.
 */
import * as NodeCrypto from "@effect/platform-node/NodeCrypto"
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as NodeSocketServer from "@effect/platform-node/NodeSocketServer"
import { Effect, Layer } from "effect"
import { RunnerHealth, Runners, ShardingConfig, SocketRunner, SqlMessageStorage, SqlRunnerStorage } from "effect/cluster"
import { RpcClient, RpcSerialization } from "effect/rpc"
import { Socket } from "effect/socket"
import type { TlsOptions } from "node:tls"
import { logShardMoves } from "./ShardMoveLog.js"

/** The PSK identity every runner presents: the key, not the name, is the secret. */
const IDENTITY = "codex-effect-runner"

/** TLS 1.3 only: its PSK handshake needs no certificate and authenticates both ends. */
const tlsVersion = { minVersion: "TLSv1.3", maxVersion: "TLSv1.3" } satisfies Pick<TlsOptions, "minVersion" | "maxVersion">

/** The runner's listener: only a peer holding `secret` completes the handshake. */
const socketServer = (secret: Uint8Array, host: string, port: number) =>
  NodeSocketServer.layerTls({
    host,
    port,
    ...tlsVersion,
    pskCallback: (_socket, identity) => (identity === IDENTITY ? secret : null)
  })

/** Connections to other runners, made with `secret` (like `NodeClusterSocket.layerClientProtocol`, over TLS). */
const clientProtocol = (secret: Uint8Array) =>
  Layer.effect(Runners.RpcClientProtocol)(Effect.gen(function*() {
    const serialization = yield* RpcSerialization.RpcSerialization
    return {
      codecFor: serialization.codecFor,
      make: Effect.fnUntraced(function*(address) {
        const socket = yield* NodeSocket.makeTls({
          host: address.host,
          port: address.port,
          openTimeout: 1000,
          timeout: 5500,
          ...tlsVersion,
          pskCallback: () => ({ psk: secret, identity: IDENTITY }),
          // There is no certificate to check: the PSK handshake itself proves the server holds the key.
          checkServerIdentity: () => undefined
        })
        return yield* RpcClient.makeProtocolSocket().pipe(
          Effect.provideService(Socket.Socket, socket),
          Effect.provideService(RpcSerialization.RpcSerialization, serialization)
        )
      })
    }
  }))

/** Sharding, Runners and MessageStorage for a runner listening on `host:port`, its traffic keyed by `secret`. */
export const runnerTransport = (
  secret: Uint8Array,
  shardingConfig: Partial<ShardingConfig.ShardingConfig["Service"]> & { readonly host: string; readonly port: number }
) => {
  const { host, port, ...config } = shardingConfig
  const client = clientProtocol(secret)
  const health = RunnerHealth.layerPing.pipe(Layer.provide(Runners.layerRpc), Layer.provide(client))
  return SocketRunner.layer.pipe(
    Layer.provide([socketServer(secret, host, port), client]),
    Layer.provide(health),
    Layer.provideMerge(SqlMessageStorage.layer.pipe(Layer.provide(NodeCrypto.layerDigest))),
    Layer.provide(logShardMoves(SqlRunnerStorage.layer)),
    Layer.provide(ShardingConfig.layerFromEnv(config)),
    Layer.provide(RpcSerialization.layerNdjson)
  )
}
