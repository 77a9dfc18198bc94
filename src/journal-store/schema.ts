// The PostgreSQL schema of the shared journal, as numbered migrations. The library applies the missing
// ones when a store opens, in one transaction under an advisory lock (so processes starting together do
// not race), and records each in `replicate_media_schema_version`. A database whose version is newer
// than this library knows is refused rather than written in a format it does not understand.
// Documented in docs/durability.md ("A journal shared by a fleet").

/** One step of the schema: applied once, in order, never edited after release (add a new one instead). */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const SCHEMA_VERSION_TABLE = 'replicate_media_schema_version';

/** Key of the advisory lock held while migrating (any constant; this one spells "rmjs"). */
export const MIGRATION_LOCK_KEY = 0x726d6a73;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'journal records, claims, budget and holds, webhook deliveries',
    sql: `
CREATE TABLE replicate_media_journal (
  seq           bigserial PRIMARY KEY,
  at            timestamptz NOT NULL,
  owner         text,
  event         text NOT NULL,
  prediction_id text,
  request_id    text,
  input_key     text,
  record        jsonb NOT NULL
);
CREATE INDEX replicate_media_journal_prediction ON replicate_media_journal (prediction_id) WHERE prediction_id IS NOT NULL;
CREATE INDEX replicate_media_journal_request ON replicate_media_journal (request_id) WHERE request_id IS NOT NULL;
CREATE INDEX replicate_media_journal_twins ON replicate_media_journal (input_key, at) WHERE event = 'intent';

CREATE TABLE replicate_media_claims (
  subject     text PRIMARY KEY,
  owner       text NOT NULL,
  lease_until timestamptz NOT NULL
);
CREATE INDEX replicate_media_claims_owner ON replicate_media_claims (owner);

CREATE TABLE replicate_media_budget (
  name         text PRIMARY KEY,
  spent_micros bigint NOT NULL DEFAULT 0 CHECK (spent_micros >= 0),
  held_micros  bigint NOT NULL DEFAULT 0 CHECK (held_micros >= 0)
);

CREATE TABLE replicate_media_holds (
  hold_id       text PRIMARY KEY,
  budget        text NOT NULL REFERENCES replicate_media_budget (name),
  owner         text,
  request_id    text,
  micros        bigint NOT NULL CHECK (micros >= 0),
  state         text NOT NULL DEFAULT 'held' CHECK (state IN ('held', 'settled', 'released')),
  actual_micros bigint,
  created_at    timestamptz NOT NULL DEFAULT now(),
  closed_at     timestamptz
);
CREATE INDEX replicate_media_holds_request ON replicate_media_holds (request_id) WHERE state = 'held';

CREATE TABLE replicate_media_webhook_deliveries (
  webhook_id   text PRIMARY KEY,
  delivered_at timestamptz NOT NULL DEFAULT now()
);
`,
  },
];

/** The newest version this library writes. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
