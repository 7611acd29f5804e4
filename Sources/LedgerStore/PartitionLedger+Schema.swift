import GRDB

extension PartitionLedger {
    /// The database layout, version by version. Never edit a shipped migration: add one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
                    -- One row per leaf; idx is the 0-based leaf index.
                    CREATE TABLE leaf (
                        idx INTEGER PRIMARY KEY,
                        kafka_offset INTEGER NOT NULL UNIQUE,
                        event_id TEXT,
                        applied INTEGER NOT NULL,
                        subject BLOB,
                        leaf BLOB NOT NULL,
                        leaf_hash BLOB NOT NULL,
                        chain_hash BLOB NOT NULL
                    );
                    -- An event id is applied at most once; duplicates are kept as unapplied leaves.
                    CREATE UNIQUE INDEX leaf_applied_event ON leaf(event_id) WHERE applied = 1;
                    CREATE INDEX leaf_subject ON leaf(subject, idx) WHERE subject IS NOT NULL;
                    CREATE INDEX leaf_by_hash ON leaf(leaf_hash);
                    -- The record's own bytes, beside the leaf so that they can be redacted without touching it.
                    CREATE TABLE payload (idx INTEGER PRIMARY KEY, value BLOB, headers BLOB NOT NULL, redacted INTEGER NOT NULL DEFAULT 0);
                    -- Complete subtree hashes above the leaves (level ≥ 1): any proof reads O(log n) of them.
                    CREATE TABLE node (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID;
                    -- Per subject: how many leaves, and the head of the subject's own chain.
                    CREATE TABLE subject (ref BLOB PRIMARY KEY, count INTEGER NOT NULL, head BLOB NOT NULL) WITHOUT ROWID;
                    -- The next Kafka offset to consume, written in the same transaction as the leaves before it.
                    CREATE TABLE consumed (id INTEGER PRIMARY KEY CHECK (id = 1), next_offset INTEGER NOT NULL);
                    CREATE TABLE checkpoint (size INTEGER PRIMARY KEY, note TEXT NOT NULL);
                    """)
        }
        migrator.registerMigration("v2: subject-map checkpoints") { db in
            try db.execute(sql: "ALTER TABLE checkpoint ADD COLUMN map_note TEXT")
        }
        migrator.registerMigration("v3: query index") { db in
            try db.execute(
                sql: """
                    -- Derived from each leaf and its event (see EntryIndex): what the API looks leaves up by.
                    CREATE TABLE entry (
                        idx INTEGER PRIMARY KEY,
                        institution TEXT NOT NULL,
                        event_type TEXT NOT NULL,
                        outcome TEXT NOT NULL,
                        violation INTEGER NOT NULL,
                        findings TEXT NOT NULL,
                        purpose TEXT,
                        occurred_at INTEGER
                    );
                    CREATE INDEX entry_institution ON entry(institution, idx);
                    CREATE INDEX entry_violation ON entry(occurred_at, idx) WHERE violation = 1;
                    """)
            try EntryIndex.backfill(db)
        }
        migrator.registerMigration("v4: published outputs") { db in
            try db.execute(
                sql: """
                    -- The outputs (receipts, alerts, rejected records) of the leaves below `through` were acknowledged by
                    -- Kafka; those of later leaves are published again when the ledger is opened. Older ledgers start
                    -- at their size: what they published before is not known.
                    CREATE TABLE published (id INTEGER PRIMARY KEY CHECK (id = 1), through INTEGER NOT NULL);
                    INSERT INTO published(id, through) SELECT 1, COUNT(*) FROM leaf;
                    """)
        }
        migrator.registerMigration("v5: witness cosignatures") { db in
            try db.execute(
                sql: """
                    -- Checkpoints as witnesses cosigned them (the log's signature and the witness's), one note per
                    -- witness name: a verifier counts those of the witnesses its policy trusts.
                    CREATE TABLE cosigned (size INTEGER NOT NULL, witness TEXT NOT NULL, note TEXT NOT NULL, PRIMARY KEY (size, witness)) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v6: MyData transmissions") { db in
            try db.execute(
                sql: """
                    -- An access's MyData transaction id (x-api-tran-id) and transmission type, to look accesses up by.
                    ALTER TABLE entry ADD COLUMN transmission_id TEXT;
                    ALTER TABLE entry ADD COLUMN transmission_type TEXT;
                    CREATE INDEX entry_transmission ON entry(transmission_id) WHERE transmission_id IS NOT NULL;
                    """)
        }
        migrator.registerMigration("v7: sealed payloads") { db in
            try db.execute(
                sql: """
                    -- The data key (PayloadKeys) a payload's value and headers are sealed under; NULL for one written in the
                    -- clear before ledgers sealed payloads. `erased_by` is the index of the leaf that ordered it erased.
                    ALTER TABLE payload ADD COLUMN key_id INTEGER;
                    ALTER TABLE payload ADD COLUMN erased_by INTEGER;
                    """)
        }
        migrator.registerMigration("v8: erasures") { db in
            try db.execute(
                sql: """
                    -- Each erasure carried out, by the index of the leaf that ordered it: the keys the subject's records were
                    -- sealed under before it (destroyed once `keys_destroyed` is 1; a crash before that destroys them at
                    -- the next open) and how many records it erased.
                    CREATE TABLE erasure (
                        idx INTEGER PRIMARY KEY,
                        subject BLOB NOT NULL,
                        erased INTEGER NOT NULL,
                        retired_keys TEXT NOT NULL,
                        keys_destroyed INTEGER NOT NULL
                    );
                    """)
        }
        return migrator
    }
}
