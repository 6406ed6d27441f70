/**
 * Schema migrations, applied in order by PRAGMA user_version. Never edit a shipped migration:
 * add a new one.
 */
export const MIGRATIONS: string[] = [
  // 1: feeds, seen items, stories, outbox, subscriptions, roster edits and their audit log.
  `
  CREATE TABLE feeds (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    title TEXT,
    origin TEXT NOT NULL DEFAULT 'config',
    added_by TEXT,
    added_at TEXT NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1,
    disabled_reason TEXT,
    etag TEXT,
    last_modified TEXT,
    first_polled_at TEXT,
    last_fetch_at TEXT,
    last_success_at TEXT,
    last_error_at TEXT,
    last_error_code TEXT,
    last_error TEXT,
    consecutive_errors INTEGER NOT NULL DEFAULT 0,
    next_fetch_at TEXT
  );
  CREATE TABLE items (
    feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    item_id TEXT NOT NULL,
    title_key TEXT NOT NULL,
    link TEXT,
    title TEXT NOT NULL,
    published TEXT,
    first_seen_at TEXT NOT NULL,
    alert INTEGER NOT NULL DEFAULT 0,
    story_id INTEGER,
    PRIMARY KEY (feed_id, item_id)
  ) WITHOUT ROWID;
  CREATE INDEX items_title_link ON items (feed_id, title_key, link);
  CREATE INDEX items_seen ON items (first_seen_at);
  CREATE TABLE stories (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    labs TEXT NOT NULL,
    programs TEXT NOT NULL,
    terms TEXT NOT NULL,
    summary TEXT NOT NULL,
    first_seen_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    published TEXT
  );
  CREATE INDEX stories_last_seen ON stories (last_seen_at);
  CREATE TABLE story_sources (
    story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    feed_id INTEGER NOT NULL,
    item_id TEXT NOT NULL,
    outlet TEXT NOT NULL,
    title TEXT NOT NULL,
    link TEXT,
    published TEXT,
    added_at TEXT NOT NULL,
    PRIMARY KEY (story_id, feed_id, item_id)
  );
  CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    delivery_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    story_id INTEGER,
    channel TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    message_ts TEXT,
    created_at TEXT NOT NULL,
    sending_at TEXT,
    sent_at TEXT
  );
  CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
  CREATE INDEX outbox_story ON outbox (story_id, channel, kind);
  CREATE TABLE subscriptions (
    channel TEXT NOT NULL,
    target TEXT NOT NULL,
    mode TEXT NOT NULL,
    created_by TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (channel, target)
  );
  CREATE TABLE roster_edits (
    lab TEXT NOT NULL,
    program TEXT NOT NULL,
    status TEXT NOT NULL,
    since TEXT,
    source_url TEXT,
    source_title TEXT,
    set_by TEXT NOT NULL,
    set_at TEXT NOT NULL,
    PRIMARY KEY (lab, program)
  );
  CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    lab TEXT,
    program TEXT,
    old_status TEXT,
    new_status TEXT,
    source TEXT,
    detail TEXT
  );
  CREATE TABLE proposals (
    id INTEGER PRIMARY KEY,
    story_id INTEGER NOT NULL,
    lab TEXT NOT NULL,
    program TEXT NOT NULL,
    status TEXT NOT NULL,
    evidence TEXT NOT NULL,
    source_title TEXT,
    source_url TEXT,
    state TEXT NOT NULL DEFAULT 'open',
    decided_by TEXT,
    decided_at TEXT,
    created_at TEXT NOT NULL
  );
  CREATE TABLE digests (
    channel TEXT NOT NULL,
    day TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (channel, day)
  );
  `,
  // 2: when an item was last listed by its feed, so retention prunes only items the feed dropped
  // (an item still listed after the retention period must not become new, and alert, again).
  `
  ALTER TABLE items ADD COLUMN last_seen_at TEXT;
  UPDATE items SET last_seen_at = first_seen_at;
  CREATE INDEX items_last_seen ON items (last_seen_at);
  `,
  // 3: the latest stories in the order lookups list them (`/caisi status`, `recent`, digests), so a
  // lookup reads a few rows of this index instead of sorting every story.
  `
  CREATE INDEX stories_first_seen ON stories (first_seen_at, id);
  `,
  // 4: story clustering compares an item with each member of a story as it was written, so every
  // source keeps its features (words, documents named, kind of event, time); and an item is known
  // across feeds by its identity (the same article through two search feeds, or the same link).
  `
  ALTER TABLE story_sources ADD COLUMN features TEXT;
  ALTER TABLE items ADD COLUMN ident TEXT;
  CREATE INDEX items_ident ON items (ident) WHERE ident IS NOT NULL;
  `,
  // 5: the leader lease: which replica polls and sends, until when, and its fencing token (raised
  // at every change of holder, so a former leader's token no longer passes).
  `
  CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    token INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  `,
];
