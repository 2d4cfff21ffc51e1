//! Database state as a comparable document: `{table: {primary key: {column: value}}}` for every
//! table in `sqlite_master` except SQLite's own. Files are opened read-only; the backends use WAL,
//! so reading while they run sees the last committed state.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use crate::canon::Json;

pub fn tables(conn: &Connection) -> anyhow::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
    )?;
    let names = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(names)
}

pub fn columns(conn: &Connection, table: &str) -> anyhow::Result<Vec<String>> {
    Ok(table_info(conn, table)?.into_iter().map(|(name, _)| name).collect())
}

/// (column, position in the primary key; 0 when not part of it).
fn table_info(conn: &Connection, table: &str) -> anyhow::Result<Vec<(String, i64)>> {
    let mut stmt = conn.prepare(&format!("PRAGMA table_info({})", ident(table)))?;
    let cols = stmt.query_map([], |r| Ok((r.get::<_, String>(1)?, r.get::<_, i64>(5)?)))?.collect::<Result<_, _>>()?;
    Ok(cols)
}

fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn value(v: ValueRef<'_>) -> Json {
    match v {
        ValueRef::Null => Json::Null,
        ValueRef::Integer(i) => Json::Number(i.to_string()),
        ValueRef::Real(f) => Json::Number(format!("{f:?}")),
        ValueRef::Text(t) => Json::String(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Json::String(format!("x'{}'", b.iter().map(|x| format!("{x:02x}")).collect::<String>())),
    }
}

/// Reads every table, rows keyed by their primary key (the rowid for tables without one) and
/// ordered by it.
pub fn snapshot(path: &Path) -> anyhow::Result<Json> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .with_context(|| format!("opening {} read-only", path.display()))?;
    conn.busy_timeout(Duration::from_secs(5))?;
    let mut doc = Vec::new();
    for table in tables(&conn)? {
        let info = table_info(&conn, &table)?;
        let mut pk: Vec<(i64, String)> = info.iter().filter(|(_, p)| *p > 0).map(|(n, p)| (*p, n.clone())).collect();
        pk.sort();
        let (select, key_cols): (String, Vec<String>) = if pk.is_empty() {
            (format!("SELECT rowid AS \"(rowid)\", * FROM {}", ident(&table)), vec!["(rowid)".to_owned()])
        } else {
            (format!("SELECT * FROM {}", ident(&table)), pk.into_iter().map(|(_, n)| n).collect())
        };
        let order = key_cols.iter().map(|c| ident(c)).collect::<Vec<_>>().join(", ");
        let mut stmt =
            conn.prepare(&format!("{select} ORDER BY {order}")).with_context(|| format!("reading {table}"))?;
        let names: Vec<String> = stmt.column_names().map(str::to_owned).collect();
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let mut fields = Vec::new();
            for (i, name) in names.iter().enumerate() {
                fields.push((name.clone(), value(row.get_ref(i)?)));
            }
            let key = key_cols
                .iter()
                .map(|k| match fields.iter().find(|(n, _)| n == k).map(|(_, v)| v) {
                    Some(Json::String(s)) => s.clone(),
                    Some(other) => other.canonical(),
                    None => String::new(),
                })
                .collect::<Vec<_>>()
                .join(",");
            out.push((key, Json::object(fields)));
        }
        doc.push((table, Json::object(out)));
    }
    Ok(Json::object(doc))
}

/// Holds a write lock on a database until dropped (the backend's writes wait, then fail).
pub struct WriteLock {
    conn: Connection,
}

impl WriteLock {
    pub fn take(path: &Path) -> anyhow::Result<WriteLock> {
        let conn = Connection::open(path).with_context(|| format!("opening {}", path.display()))?;
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.execute_batch("BEGIN EXCLUSIVE").with_context(|| format!("locking {}", path.display()))?;
        Ok(WriteLock { conn })
    }
}

impl Drop for WriteLock {
    fn drop(&mut self) {
        let _ = self.conn.execute_batch("ROLLBACK");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_every_table_by_primary_key() {
        let dir = std::env::temp_dir().join(format!("parity-db-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.db");
        let _ = std::fs::remove_file(&path);
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode=WAL;
             CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB);
             INSERT INTO users VALUES (10, 'b', 1.0, x'0aff'), (2, 'a', NULL, NULL);
             CREATE TABLE pairs (a INTEGER, b TEXT, PRIMARY KEY (a, b)) WITHOUT ROWID;
             INSERT INTO pairs VALUES (1, 'x');
             CREATE TABLE loose (v TEXT);
             INSERT INTO loose VALUES ('q');",
        )
        .unwrap();
        let snap = snapshot(&path).unwrap();
        assert_eq!(
            snap.canonical(),
            r#"{"loose":{"1":{"(rowid)":1,"v":"q"}},"pairs":{"1,x":{"a":1,"b":"x"}},"users":{"10":{"data":"x'0aff'","id":10,"name":"b","score":1.0},"2":{"data":null,"id":2,"name":"a","score":null}}}"#
        );
        drop(conn);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
