/**
 * In-process "runners" for cluster tests at the entity level: each is the Conversation entity
 * (`ConversationHosting.layer`) behind effect's test client, with its own conversations and scripted model,
 * all on one real PostgreSQL store. `pgUrl` is the store's URL (see `startPostgres`).
 */
import * as PgClient from "@effect/sql-pg/PgClient"
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import { Context, Effect, Layer, Redacted, Stream } from "effect"
import { Entity, ShardingConfig } from "effect/cluster"
import { ConversationEntity } from "../../src/cluster/ConversationEntity.js"
import * as ConversationHosting from "../../src/cluster/ConversationHosting.js"
import { ConversationStore } from "../../src/cluster/ConversationStore.js"
import type { ResponseItem } from "../../src/model/ResponseItem.js"
import { ScriptedModel, type ScriptedTurn } from "../../src/model/ScriptedModel.js"
import type { Op } from "../../src/rpc/Op.js"
import { CodexLayer } from "../../src/services/CodexLayer.js"
import { Config } from "../../src/services/Config.js"
import { initialContextMessages } from "../../src/services/ConversationHost.js"
import { makeTempDir } from "./TempDirs.js"

export interface RunnerDirs {
  readonly codexHome: string
  readonly cwd: string
}

/** A CODEX_HOME and a workspace in a new temp dir. */
export const runnerDirs = (prefix: string): RunnerDirs => {
  const root = makeTempDir(prefix)
  mkdirSync(join(root, "home"))
  mkdirSync(join(root, "work"))
  return { codexHome: join(root, "home"), cwd: join(root, "work") }
}

/** The store, on its own connection. */
export const storeLayer = (pgUrl: string) =>
  ConversationStore.layerFor(pgUrl).pipe(Layer.provide(PgClient.layer({ url: Redacted.make(pgUrl) })))

/** One runner with its own model (`turns`); built in the caller's scope, it lives until that scope ends. */
export const entityRunner = (pgUrl: string, where: RunnerDirs, turns: ReadonlyArray<ScriptedTurn>) =>
  Effect.gen(function*() {
    const scripted = yield* Layer.build(ScriptedModel.layer(turns))
    const services = yield* Layer.build(Layer.mergeAll(
      ShardingConfig.layer(),
      CodexLayer({ ...where, model: Layer.succeedContext(scripted) }),
      ConversationStore.layerFor(pgUrl)
    ).pipe(Layer.provideMerge(PgClient.layer({ url: Redacted.make(pgUrl) }))))
    const client = yield* Entity.makeTestClient(ConversationEntity, ConversationHosting.layer).pipe(Effect.provide(services))
    return { client, model: Context.get(scripted, ScriptedModel) }
  })

export type EntityClient = Effect.Success<ReturnType<Effect.Success<ReturnType<typeof entityRunner>>["client"]>>

/** A conversation in the store, as a front creates it; its config. */
export const createdConversation = (pgUrl: string, where: RunnerDirs, conversationId: string) =>
  Effect.gen(function*() {
    const config = yield* (yield* Config).load({ cwd: where.cwd, approvalPolicy: "never" })
    yield* (yield* ConversationStore).create(conversationId, config, initialContextMessages(config))
    return config
  }).pipe(Effect.provide(Layer.mergeAll(CodexLayer(where), storeLayer(pgUrl))))

/** Submits `op` under `key` and waits (20 s) for its event `type`; its submission id. */
export const submitAndWait = (client: EntityClient, key: string, op: Op, type: string) =>
  Effect.gen(function*() {
    const cursor = yield* client.Cursor({})
    const id = yield* client.Submit({ key, op })
    yield* client.Events({ from: cursor }).pipe(
      Stream.takeUntil((event) => event.msg.type === type && event.id === id),
      Stream.runDrain,
      Effect.timeoutOrElse({ duration: "20 seconds", orElse: () => Effect.die(`no ${type} for ${key}`) })
    )
    return id
  })

/** A user message op. */
export const say = (text: string): Op => ({ type: "user_input", items: [{ type: "text", text }] })

/** How many user messages of `items` contain `text` (a prompt delivered twice shows as 2). */
export const timesSaid = (items: ReadonlyArray<ResponseItem>, text: string) =>
  items.filter((item) =>
    item.type === "message" && item.role === "user" && item.content.some((part) => "text" in part && part.text.includes(text))
  ).length
