//! `farm-bench bare`: the baseline the issue measures core-server against, a bare axum +
//! rusqlite endpoint running the same query. One route, `GET /api/nodes`, answered by the same
//! store call and the same JSON as core-server's, with none of the server around it: no
//! authentication, capability check, request ids, tracing, timeouts, compression or error
//! envelope. Whatever core-server loses against it is the cost of those.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use core_server::domain::nodes::Node;
use core_server::http::Items;
use core_server::store::SqliteStore;
use core_server::store::nodes::NodeStore;

#[derive(Debug, clap::Args)]
pub struct BareArgs {
    /// The data dir whose farm.db is read
    #[arg(long)]
    data_dir: PathBuf,
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: String,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

async fn nodes(State(store): State<Arc<SqliteStore>>) -> Result<axum::Json<Items<Node>>, StatusCode> {
    let nodes = store.nodes_list(now_ms()).await.map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    Ok(axum::Json(nodes.into()))
}

pub fn serve(args: BareArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let store = SqliteStore::open(&args.data_dir.join("farm.db"), now_ms())?;
        let app = Router::new()
            .route("/api/nodes", get(nodes))
            .route("/healthz", get(|| async { "ok" }))
            .with_state(Arc::new(store));
        let listener = tokio::net::TcpListener::bind(&args.listen).await.context("binding")?;
        println!("Farm Controller is listening on http://{}", listener.local_addr()?);
        axum::serve(listener, app).await?;
        Ok(())
    })
}
