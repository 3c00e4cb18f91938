"""The store's schema as an ordered list of migrations; `PRAGMA user_version` says which ran.

A store made by an older version is brought up to date when it is opened. Migrations are
append-only: never edit one that has shipped, add the next.
"""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: accounts, addresses, domains, check history, proposals and the append-only audit trail.
    """
    CREATE TABLE accounts (
        id INTEGER PRIMARY KEY,
        account_id TEXT NOT NULL UNIQUE,
        username TEXT NOT NULL,
        has_2fa INTEGER,
        packages INTEGER,
        downloads INTEGER,
        risk REAL NOT NULL DEFAULT 0,
        updated_at TEXT
    );
    CREATE INDEX accounts_username ON accounts(username);
    CREATE INDEX accounts_risk ON accounts(risk DESC, id);

    CREATE TABLE emails (
        id INTEGER PRIMARY KEY,
        account_id TEXT NOT NULL,
        address TEXT NOT NULL,
        domain TEXT NOT NULL,
        verified INTEGER NOT NULL DEFAULT 1,
        verified_at TEXT,
        is_primary INTEGER,
        unverified_at TEXT,
        unverified_by INTEGER,
        imported_at TEXT,
        UNIQUE (account_id, address)
    );
    CREATE INDEX emails_domain ON emails(domain);
    CREATE INDEX emails_address ON emails(address);

    CREATE TABLE domains (
        name TEXT PRIMARY KEY,
        unicode TEXT,
        phase TEXT NOT NULL DEFAULT 'unchecked',
        phase_since TEXT,
        reasons TEXT NOT NULL DEFAULT '[]',
        statuses TEXT NOT NULL DEFAULT '[]',
        registered_at TEXT,
        expires_at TEXT,
        last_changed_at TEXT,
        registrar TEXT,
        registrar_iana_id TEXT,
        handle TEXT,
        nameservers TEXT NOT NULL DEFAULT '[]',
        signals TEXT NOT NULL DEFAULT '[]',
        release_at TEXT,
        first_seen_at TEXT,
        checked_at TEXT,
        next_check_at TEXT,
        last_check_id INTEGER,
        backend TEXT,
        error TEXT,
        error_streak INTEGER NOT NULL DEFAULT 0,
        accounts INTEGER NOT NULL DEFAULT 0,
        emails INTEGER NOT NULL DEFAULT 0,
        verified INTEGER NOT NULL DEFAULT 0,
        risk REAL NOT NULL DEFAULT 0,
        decision_state TEXT
    );
    CREATE INDEX domains_phase_risk ON domains(phase, risk DESC, name);
    CREATE INDEX domains_risk ON domains(risk DESC, name);
    CREATE INDEX domains_next_check ON domains(next_check_at);

    CREATE TABLE checks (
        id INTEGER PRIMARY KEY,
        domain TEXT NOT NULL,
        checked_at TEXT NOT NULL,
        backend TEXT NOT NULL,
        server TEXT,
        http_status INTEGER,
        duration_ms REAL,
        error TEXT,
        previous_phase TEXT,
        phase TEXT NOT NULL,
        reasons TEXT NOT NULL DEFAULT '[]',
        statuses TEXT NOT NULL DEFAULT '[]',
        registered_at TEXT,
        expires_at TEXT,
        handle TEXT,
        registrar TEXT,
        registrar_iana_id TEXT,
        raw BLOB
    );
    CREATE INDEX checks_domain ON checks(domain, id);

    CREATE TABLE phase_changes (
        id INTEGER PRIMARY KEY,
        domain TEXT NOT NULL,
        at TEXT NOT NULL,
        from_phase TEXT NOT NULL,
        to_phase TEXT NOT NULL,
        check_id INTEGER
    );
    CREATE INDEX phase_changes_domain ON phase_changes(domain, id);

    CREATE TABLE proposals (
        id INTEGER PRIMARY KEY,
        domain TEXT NOT NULL,
        email_id INTEGER NOT NULL,
        kind TEXT NOT NULL,
        phase TEXT NOT NULL,
        check_id INTEGER,
        reasons TEXT NOT NULL DEFAULT '[]',
        status TEXT NOT NULL DEFAULT 'pending',
        created_at TEXT NOT NULL,
        closed_at TEXT,
        closed_by INTEGER,
        closed_reason TEXT
    );
    CREATE INDEX proposals_status ON proposals(status, domain);
    CREATE INDEX proposals_domain ON proposals(domain, id);

    CREATE TABLE decisions (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        operator TEXT NOT NULL,
        action TEXT NOT NULL,
        domain TEXT NOT NULL,
        phase TEXT NOT NULL,
        check_id INTEGER,
        reason TEXT NOT NULL,
        until TEXT,
        emails TEXT NOT NULL DEFAULT '[]',
        proposal_ids TEXT NOT NULL DEFAULT '[]'
    );
    CREATE INDEX decisions_domain ON decisions(domain, id);
    CREATE INDEX decisions_at ON decisions(at);
    CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions
    BEGIN SELECT RAISE(ABORT, 'decisions are append-only: UPDATE refused'); END;
    CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions
    BEGIN SELECT RAISE(ABORT, 'decisions are append-only: DELETE refused'); END;

    CREATE TABLE overrides (
        domain TEXT PRIMARY KEY,
        decision_id INTEGER NOT NULL,
        phase TEXT NOT NULL,
        until TEXT,
        created_at TEXT NOT NULL
    );

    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
    """,
    # 2: one worker per store (a lease with a heartbeat).
    """
    CREATE TABLE worker_lease (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        holder TEXT NOT NULL,
        pid INTEGER,
        host TEXT,
        acquired_at TEXT NOT NULL,
        heartbeat_at TEXT NOT NULL
    );
    """,
    # 3: review queue: why an address was un-verified; proposal look-ups by address; audit filters.
    """
    ALTER TABLE emails ADD COLUMN unverified_reason TEXT;
    CREATE INDEX proposals_email ON proposals(email_id, kind, status);
    CREATE INDEX decisions_operator ON decisions(operator, id);
    CREATE INDEX decisions_action ON decisions(action, id);
    """,
    # 4: emails by domain as a covering index (domain, account_id, verified), so that the
    #    per-domain counts (accounts, emails, verified) are read from the index alone.
    """
    DROP INDEX IF EXISTS emails_domain;
    CREATE INDEX emails_domain ON emails(domain, account_id, verified);
    """,
    # 5: dashboard search: an FTS5 trigram index of usernames and addresses (rowid = emails.id),
    #    filled in short batches by `refresh_search_index()`; accounts by update time, so that
    #    usernames changed since the last refresh are found quickly.
    """
    CREATE VIRTUAL TABLE search_fts USING fts5(username, address, tokenize = 'trigram');
    CREATE INDEX accounts_updated ON accounts(updated_at);
    """,
    # 6: the webhook outbox: notifications written in the same transaction as their cause,
    #    delivered in order with retries by `domainwatch webhooks send`; never lost.
    """
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        created_at TEXT NOT NULL,
        event TEXT NOT NULL,
        payload TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        delivered_at TEXT,
        last_error TEXT,
        last_attempt_at TEXT
    );
    CREATE INDEX outbox_undelivered ON outbox(id) WHERE delivered_at IS NULL;
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)
