//! `tandem worker`: this machine serves the fleet's tasks (see
//! `tandem-fleet`'s worker) with its own settings: the cluster and
//! credentials of `[tasks.nats]`, the model credentials of its environment,
//! its own sandbox. SIGTERM drains: no new task is taken, those in hand end.

use clap::Args;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tandem_fleet::Fleet;
use tandem_fleet::worker::{Options, require_isolation, serve};
use tokio_util::sync::CancellationToken;

#[derive(Args, Debug)]
pub struct WorkerArgs {
    /// Tasks run at once by this worker.
    #[arg(long, default_value_t = 1)]
    pub slots: usize,
    /// Seconds a task may go unacknowledged before JetStream hands it to
    /// another worker (the worker acks progress every third of it).
    #[arg(long, default_value_t = 30)]
    pub ack_wait: u64,
    /// Where tasks' repositories are unpacked (default: the state folder).
    #[arg(long)]
    pub work_dir: Option<PathBuf>,
}

pub async fn run_worker(args: WorkerArgs) -> i32 {
    match serve_worker(args).await {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            2
        }
    }
}

async fn serve_worker(args: WorkerArgs) -> Result<(), String> {
    let here = std::env::current_dir().map_err(|e| e.to_string())?;
    let trust = tandem_config::trust::Trust::check(&here);
    let loaded = tandem_config::setup::load(&here, Vec::new(), trust)?;
    let settings = loaded.settings();
    let helper =
        std::env::current_exe().map_err(|e| format!("cannot find the tandem binary: {e}"))?;
    require_isolation(&settings.sandbox, &helper)?;
    let work_dir = match args.work_dir {
        Some(d) => d,
        None => dirs::state_dir()
            .or_else(dirs::data_local_dir)
            .ok_or("no state directory (is HOME set?)")?
            .join("tandem")
            .join("worker"),
    };
    std::fs::create_dir_all(&work_dir).map_err(|e| e.to_string())?;
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "host".into());
    let name = format!("{host}/{}", std::process::id());
    let fleet = Fleet::connect(&settings.tasks.nats, &format!("tandem worker {name}")).await?;
    let drain = CancellationToken::new();
    {
        let drain = drain.clone();
        tokio::spawn(async move {
            if let Ok(mut term) =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            {
                term.recv().await;
                eprintln!("draining: finishing the tasks in hand, taking no new ones");
                drain.cancel();
            }
        });
    }
    eprintln!("worker {name}: serving with {} slot(s)", args.slots.max(1));
    serve(
        fleet,
        Options {
            slots: args.slots,
            ack_wait: Duration::from_secs(args.ack_wait.max(1)),
            work_dir,
            name,
            sandbox: settings.sandbox.clone(),
        },
        Arc::new(tandem_config::setup::load_task),
        drain,
    )
    .await
}
