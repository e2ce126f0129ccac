/**
 * The few claims codex reads from a ChatGPT id_token: the email, the
 * ChatGPT plan and the account id. The JWT is decoded without verifying its signature: it came from
 * our own login or from auth.json, and it only chooses between credentials the user already holds.
 */
import { Option, Schema } from "effect"

/** The claims object the issuer nests under this key. */
const OPENAI_AUTH_CLAIM = "https://api.openai.com/auth"

export interface IdTokenClaims {
  readonly email: string | undefined
  /** `free`, `plus`, `pro`, `team`, `business`, `enterprise`, `edu`, or any other string. */
  readonly planType: string | undefined
  readonly accountId: string | undefined
}

const JwtPayload = Schema.Struct({
  email: Schema.optionalKey(Schema.String),
  [OPENAI_AUTH_CLAIM]: Schema.optionalKey(Schema.Struct({
    chatgpt_plan_type: Schema.optionalKey(Schema.String),
    chatgpt_account_id: Schema.optionalKey(Schema.String)
  }))
})

const decodePayload = Schema.decodeUnknownOption(Schema.fromJsonString(JwtPayload))

const NO_CLAIMS: IdTokenClaims = { email: undefined, planType: undefined, accountId: undefined }

/**
 * The claims of a JWT's payload. A token that is not a JWT, or whose claims have unexpected types,
 * gives no claims; a missing claim is `undefined`.
 */
export const idTokenClaims = (jwt: string): IdTokenClaims => {
  const segments = jwt.split(".")
  if (segments.length < 2) return NO_CLAIMS
  const payload = decodePayload(Buffer.from(segments[1]!, "base64url").toString("utf8"))
  if (Option.isNone(payload)) return NO_CLAIMS
  const auth = payload.value[OPENAI_AUTH_CLAIM]
  return {
    email: payload.value.email,
    planType: auth?.chatgpt_plan_type,
    accountId: auth?.chatgpt_account_id
  }
}
