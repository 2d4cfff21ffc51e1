//! The schema runner shared, rule for rule, with the Python backend (docs/architecture.md):
//!
//! 1. Migrations are the files `migrations/NNNN_name.sql`; the version is NNNN, the name the
//!    rest of the file name, the checksum the lower-case hex SHA-256 of the file's bytes.
//! 2. `schema_migrations(version, name, checksum, applied_at)` records what was applied.
//! 3. A recorded version this build does not know means the database is newer: refuse.
//!    A recorded checksum that differs from the file means the history was edited: refuse.
//! 4. Pending migrations are applied in version order, all in one transaction, each followed
//!    by its `schema_migrations` row; a failure leaves the database as it was.

use std::fmt;

use anyhow::Context;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use sha2::{Digest, Sha256};

#[derive(rust_embed::RustEmbed)]
#[folder = "../../migrations"]
#[include = "*.sql"]
struct MigrationFiles;

#[derive(Debug, Clone)]
pub struct Migration {
    pub version: i64,
    pub name: String,
    pub sql: String,
    pub checksum: String,
}

/// Why the runner refused to touch the database.
#[derive(Debug)]
pub enum Refusal {
    UnknownVersion { version: i64, name: String },
    ChecksumMismatch { version: i64, name: String, recorded: String, expected: String },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::UnknownVersion { version, name } => write!(
                f,
                "the database has migration {version:04}_{name}, which this build does not know: \
                 it was written by a newer version; upgrade, or restore a backup taken before that version"
            ),
            Refusal::ChecksumMismatch { version, name, recorded, expected } => write!(
                f,
                "migration {version:04}_{name} was applied with checksum {recorded}, but this build's \
                 file has checksum {expected}: a landed migration was edited; refusing to start"
            ),
        }
    }
}

impl std::error::Error for Refusal {}

pub fn parse_file_name(file: &str) -> Option<(i64, String)> {
    let stem = file.strip_suffix(".sql")?;
    let (digits, name) = stem.split_once('_')?;
    let valid_name =
        !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit()) && valid_name {
        Some((digits.parse().ok()?, name.to_owned()))
    } else {
        None
    }
}

pub fn checksum(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The migrations compiled into this binary, in version order.
pub fn embedded() -> anyhow::Result<Vec<Migration>> {
    let mut out = Vec::new();
    for file in MigrationFiles::iter() {
        let (version, name) =
            parse_file_name(&file).with_context(|| format!("migration file {file} is not named NNNN_name.sql"))?;
        let data = MigrationFiles::get(&file).with_context(|| format!("reading migration {file}"))?.data;
        let sql = String::from_utf8(data.to_vec()).with_context(|| format!("migration {file} is not UTF-8"))?;
        out.push(Migration { version, name, checksum: checksum(sql.as_bytes()), sql });
    }
    out.sort_by_key(|m| m.version);
    if let Some(pair) = out.windows(2).find(|w| w[0].version == w[1].version) {
        anyhow::bail!("two migrations share version {:04}", pair[0].version);
    }
    Ok(out)
}

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    checksum   TEXT    NOT NULL,
    applied_at INTEGER NOT NULL
)";

/// Checks the recorded history against `known`; returns the versions still to apply.
pub fn pending<'a>(conn: &Connection, known: &'a [Migration]) -> anyhow::Result<Vec<&'a Migration>> {
    let exists: Option<String> = conn
        .query_row("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'", [], |r| {
            r.get(0)
        })
        .optional()?;
    if exists.is_none() {
        return Ok(known.iter().collect());
    }
    let mut stmt = conn.prepare("SELECT version, name, checksum FROM schema_migrations ORDER BY version")?;
    let applied = stmt
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    for (version, name, recorded) in &applied {
        match known.iter().find(|m| m.version == *version) {
            None => return Err(Refusal::UnknownVersion { version: *version, name: name.clone() }.into()),
            Some(m) if &m.checksum != recorded => {
                return Err(Refusal::ChecksumMismatch {
                    version: *version,
                    name: m.name.clone(),
                    recorded: recorded.clone(),
                    expected: m.checksum.clone(),
                }
                .into());
            }
            Some(_) => {}
        }
    }
    Ok(known.iter().filter(|m| !applied.iter().any(|(v, _, _)| *v == m.version)).collect())
}

/// Applies what is pending in one transaction. Returns the versions applied.
pub fn migrate(conn: &mut Connection, known: &[Migration], now_ms: i64) -> anyhow::Result<Vec<i64>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute(CREATE_TABLE, [])?;
    let todo = pending(&tx, known)?;
    let mut applied = Vec::new();
    for m in todo {
        tx.execute_batch(&m.sql).with_context(|| format!("applying migration {:04}_{}", m.version, m.name))?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?1, ?2, ?3, ?4)",
            (m.version, &m.name, &m.checksum, now_ms),
        )?;
        applied.push(m.version);
    }
    tx.commit()?;
    Ok(applied)
}

/// The highest applied version (0 for an empty database).
pub fn schema_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", [], |r| r.get(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_parse_strictly() {
        assert_eq!(parse_file_name("0001_init.sql"), Some((1, "init".into())));
        assert_eq!(parse_file_name("0012_add_nodes.sql"), Some((12, "add_nodes".into())));
        for bad in ["1_init.sql", "0001-init.sql", "0001_.sql", "0001_Init.sql", "0001_init.txt"] {
            assert_eq!(parse_file_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn applies_once_then_refuses_edits_and_unknown_versions() {
        let mut conn = Connection::open_in_memory().unwrap();
        let known = embedded().unwrap();
        let first = migrate(&mut conn, &known, 1).unwrap();
        assert_eq!(first.len(), known.len());
        assert!(migrate(&mut conn, &known, 2).unwrap().is_empty(), "second run applies nothing");

        let mut edited = known.clone();
        edited[0].checksum = "0".repeat(64);
        let err = migrate(&mut conn, &edited, 3).unwrap_err().to_string();
        assert!(err.contains("checksum"), "{err}");

        let older = &known[..known.len() - 1];
        let err = migrate(&mut conn, older, 4).unwrap_err().to_string();
        assert!(err.contains("newer version"), "{err}");
    }

    #[test]
    fn a_failing_migration_leaves_nothing_behind() {
        let mut conn = Connection::open_in_memory().unwrap();
        let mut known = embedded().unwrap();
        let next = known.last().unwrap().version + 1;
        known.push(Migration {
            version: next,
            name: "broken".into(),
            sql: "CREATE TABLE;".into(),
            checksum: checksum(b"x"),
        });
        assert!(migrate(&mut conn, &known, 1).is_err());
        let tables: i64 =
            conn.query_row("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'", [], |r| r.get(0)).unwrap();
        assert_eq!(tables, 0);
    }
}
