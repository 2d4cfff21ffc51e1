//! A small pool of SQLite connections, each used on a blocking thread. Cancellation-safe: the
//! connection goes back to the pool from inside the blocking task, even if the request that
//! asked for it was dropped meanwhile.

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
    Ok(conn)
}

struct Inner {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
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
        let idle = (0..size).map(|_| open_counted(path, statements.as_ref())).collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Self {
            inner: Arc::new(Inner {
                path: path.to_owned(),
                idle: Mutex::new(idle),
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
                // Only after a panic lost a connection: replace it.
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

    /// Refuses new work and closes idle connections (used at shutdown).
    pub fn close(&self) {
        self.inner.permits.close();
        self.inner.idle.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

fn closed() -> Error {
    Error::Unavailable("the database is closed".into())
}
