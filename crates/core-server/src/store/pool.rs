//! A small pool of SQLite connections, each used on a blocking thread. Cancellation-safe: the
//! connection goes back to the pool from inside the blocking task, even if the request that
//! asked for it was dropped meanwhile. Connections are opened when first needed, so an idle
//! server holds one (each costs a few hundred KiB: its schema, lookaside and page cache).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use rusqlite::Connection;
use tokio::sync::Semaphore;

use crate::domain::Error;

pub const DEFAULT_SIZE: usize = 4;

/// Applied to every connection. WAL lets readers run beside the one writer; NORMAL sync in WAL
/// mode survives a process crash without losing committed transactions (see docs/architecture.md).
const PRAGMAS: &str = "
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA foreign_keys = ON;
PRAGMA busy_timeout = 5000;
";

pub fn open_connection(path: &Path) -> anyhow::Result<Connection> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating database folder {}", dir.display()))?;
    }
    let conn = Connection::open(path).with_context(|| format!("opening database {}", path.display()))?;
    conn.execute_batch(PRAGMAS).with_context(|| format!("configuring database {}", path.display()))?;
    // The query planner stability guarantee: plans never depend on bound values. Without it
    // this build of SQLite (STAT4) marks a join filtered on a bound parameter, such as the
    // credential lookup every request makes, for re-preparing whenever the value is bound
    // again: a full SQL parse per request. Nothing here relies on value-dependent plans.
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
        .with_context(|| format!("configuring database {}", path.display()))?;
    Ok(conn)
}

struct Inner {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    /// For `read_now`, one per async worker thread, opened on first use: never wait for a
    /// lock (busy timeout 0).
    quick: Vec<Mutex<Option<Connection>>>,
    permits: Arc<Semaphore>,
    /// SQLite allows one writer. Queueing writers here, woken in order, beats letting them
    /// collide in SQLite's busy handler, which sleeps in growing steps before retrying.
    writer: Arc<Semaphore>,
    /// Counts executed SQL statements when enabled (tests prove queries do not grow with data).
    statements: Option<Arc<AtomicU64>>,
}

fn open_counted(path: &Path, statements: Option<&Arc<AtomicU64>>) -> anyhow::Result<Connection> {
    let mut conn = open_connection(path)?;
    if let Some(counter) = statements {
        let counter = Arc::clone(counter);
        conn.trace_v2(
            rusqlite::trace::TraceEventCodes::SQLITE_TRACE_STMT,
            Some(move |_: rusqlite::trace::TraceEvent<'_>| {
                counter.fetch_add(1, Ordering::Relaxed);
            }),
        )?;
    }
    Ok(conn)
}

#[derive(Clone)]
pub struct Pool {
    inner: Arc<Inner>,
}

impl Pool {
    pub fn open(path: &Path, size: usize, count_statements: bool) -> anyhow::Result<Self> {
        let statements = count_statements.then(|| Arc::new(AtomicU64::new(0)));
        // One now, so a database that cannot be opened fails the start; the rest on demand.
        let idle = vec![open_counted(path, statements.as_ref())?];
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(size.max(1));
        let quick = (0..workers).map(|_| Mutex::new(None)).collect();
        Ok(Self {
            inner: Arc::new(Inner {
                path: path.to_owned(),
                idle: Mutex::new(idle),
                quick,
                permits: Arc::new(Semaphore::new(size)),
                writer: Arc::new(Semaphore::new(1)),
                statements,
            }),
        })
    }

    /// SQL statements executed so far, when counting was enabled at open.
    pub fn statements_executed(&self) -> Option<u64> {
        self.inner.statements.as_ref().map(|c| c.load(Ordering::Relaxed))
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `f`, which only reads, with a connection on a blocking thread.
    pub async fn run<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, Error> + Send + 'static,
    {
        self.execute(None, f).await
    }

    /// Runs `f`, which writes, once no other writer of this process is running.
    pub async fn write<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, Error> + Send + 'static,
    {
        let writer = Arc::clone(&self.inner.writer).acquire_owned().await.map_err(|_| closed())?;
        self.execute(Some(writer), f).await
    }

    async fn execute<T, F>(&self, writer: Option<tokio::sync::OwnedSemaphorePermit>, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, Error> + Send + 'static,
    {
        let permit = Arc::clone(&self.inner.permits).acquire_owned().await.map_err(|_| closed())?;
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let conn = inner.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
            let mut conn = match conn {
                Some(c) => c,
                // Fewer than `size` opened so far (or a panic lost one).
                None => open_counted(&inner.path, inner.statements.as_ref()).map_err(Error::Internal)?,
            };
            let result = f(&mut conn);
            inner.idle.lock().unwrap_or_else(|p| p.into_inner()).push(conn);
            drop(permit);
            drop(writer);
            result
        })
        .await
        .map_err(|e| Error::Internal(anyhow::anyhow!("database task failed: {e}")))?
    }

    /// Runs a short read on the calling thread, on one of the connections kept for it (one per
    /// async worker), instead of handing it to a blocking thread: for the lookup every request
    /// makes (its session or API token), where the two thread hand-offs cost more than the
    /// indexed query. Those connections never wait for a lock: when all are in use, or SQLite
    /// answers busy, the read takes the normal path through `run`.
    pub async fn read_now<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: Fn(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        for slot in &self.inner.quick {
            if self.inner.permits.is_closed() {
                break;
            }
            let Ok(mut quick) = slot.try_lock() else { continue };
            if quick.is_none() {
                *quick = open_quick(&self.inner);
            }
            let Some(conn) = quick.as_mut() else { continue };
            match f(conn) {
                Ok(value) => return Ok(value),
                Err(e) if is_busy(&e) => break,
                Err(e) => return Err(Error::Internal(e.into())),
            }
        }
        self.run(move |conn| f(conn).map_err(|e| Error::Internal(e.into()))).await
    }

    /// Refuses new work and closes idle connections (used at shutdown).
    pub fn close(&self) {
        self.inner.permits.close();
        self.inner.idle.lock().unwrap_or_else(|p| p.into_inner()).clear();
        for slot in &self.inner.quick {
            slot.lock().unwrap_or_else(|p| p.into_inner()).take();
        }
    }
}

/// A connection for `read_now`, or `None` (logged) when it cannot be opened: the read then
/// takes the normal path.
fn open_quick(inner: &Inner) -> Option<Connection> {
    let opened = open_counted(&inner.path, inner.statements.as_ref()).and_then(|conn| {
        conn.busy_timeout(std::time::Duration::ZERO)?;
        Ok(conn)
    });
    opened.inspect_err(|e| tracing::warn!("opening a database connection: {e:#}")).ok()
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked))
}

fn closed() -> Error {
    Error::Unavailable("the database is closed".into())
}

#[cfg(test)]
mod tests {
    use rusqlite::OptionalExtension;

    use super::*;

    fn pool() -> (tempfile::TempDir, Pool) {
        let dir = tempfile::tempdir().unwrap();
        let pool = Pool::open(&dir.path().join("t.db"), 2, false).unwrap();
        (dir, pool)
    }

    #[tokio::test]
    async fn read_now_takes_the_normal_path_when_sqlite_is_busy() {
        let (_dir, pool) = pool();
        let calls = Arc::new(AtomicU64::new(0));
        let counted = Arc::clone(&calls);
        let answer = pool
            .read_now(move |c| {
                if counted.fetch_add(1, Ordering::SeqCst) == 0 {
                    // What SQLite answers the lock-free connection while another one holds a lock.
                    return Err(rusqlite::Error::SqliteFailure(
                        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
                        None,
                    ));
                }
                c.query_row("SELECT 41 + 1", [], |r| r.get::<_, i64>(0))
            })
            .await
            .unwrap();
        assert_eq!((answer, calls.load(Ordering::SeqCst)), (42, 2), "retried once, on a pooled connection");
    }

    #[tokio::test]
    async fn read_now_takes_the_normal_path_while_its_connection_is_in_use() {
        let (_dir, pool) = pool();
        // As if other requests were using them.
        let held: Vec<_> = pool.inner.quick.iter().map(|slot| slot.lock().unwrap()).collect();
        let answer = pool.read_now(|c| c.query_row("SELECT 42", [], |r| r.get::<_, i64>(0))).await.unwrap();
        assert_eq!(answer, 42);
        assert!(!held.is_empty() && held.iter().all(|slot| slot.is_none()), "no quick connection was opened");
    }

    #[tokio::test]
    async fn connections_are_opened_when_first_needed_and_not_after_close() {
        let (_dir, pool) = pool();
        let opened = |pool: &Pool| {
            let quick = pool.inner.quick.iter().filter(|slot| slot.lock().unwrap().is_some()).count();
            (pool.inner.idle.lock().unwrap().len(), quick)
        };
        assert_eq!(opened(&pool), (1, 0), "one pooled connection at start, no quick ones");
        pool.read_now(|c| c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))).await.unwrap();
        assert_eq!(opened(&pool), (1, 1));
        // Two reads at once need a second pooled connection.
        let (a, b) = tokio::join!(
            pool.run(|c| c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0)).map_err(|e| Error::Internal(e.into()))),
            pool.run(|c| c.query_row("SELECT 2", [], |r| r.get::<_, i64>(0)).map_err(|e| Error::Internal(e.into()))),
        );
        assert_eq!((a.unwrap(), b.unwrap()), (1, 2));
        assert!(opened(&pool).0 >= 1);
        pool.close();
        let after = pool.read_now(|c| c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))).await;
        assert!(matches!(after, Err(Error::Unavailable(_))), "{after:?}");
        assert_eq!(opened(&pool), (0, 0), "close closed them and nothing reopened one");
    }

    #[tokio::test]
    async fn a_join_filtered_on_a_bound_value_is_not_prepared_again_for_each_value() {
        let (_dir, pool) = pool();
        let sql = "SELECT a.id FROM a JOIN b ON b.id = a.b_id WHERE a.token = ?1";
        let reprepared = pool
            .run(move |c| {
                let err = |e: rusqlite::Error| Error::Internal(e.into());
                c.execute_batch(
                    "CREATE TABLE b (id INTEGER PRIMARY KEY);
                     CREATE TABLE a (id INTEGER PRIMARY KEY, b_id INTEGER REFERENCES b (id), token TEXT UNIQUE);
                     INSERT INTO b VALUES (1); INSERT INTO a VALUES (1, 1, 'x');",
                )
                .map_err(err)?;
                for token in ["x", "y", "x", "z"] {
                    c.prepare_cached(sql)
                        .map_err(err)?
                        .query_row([token], |r| r.get::<_, i64>(0))
                        .optional()
                        .map_err(err)?;
                }
                Ok(c.prepare_cached(sql).map_err(err)?.get_status(rusqlite::StatementStatus::RePrepare))
            })
            .await
            .unwrap();
        assert_eq!(reprepared, 0, "each lookup would parse its SQL again");
    }

    #[tokio::test]
    async fn read_now_reports_sql_errors() {
        let (_dir, pool) = pool();
        let err = pool.read_now(|c| c.query_row("SELECT nope FROM nowhere", [], |r| r.get::<_, i64>(0))).await;
        assert!(matches!(err, Err(Error::Internal(_))), "{err:?}");
    }
}
