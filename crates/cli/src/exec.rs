//! `tandem exec "PROMPT"`: one headless run in a repository, ending with the
//! proposal as a diff, the files read, the commands run and the cost.

use super::approvals::{Approvals, spawn_stdin};
use super::human::{HumanProgress, render_report};
use super::overrides::RunFlags;
use super::report::{RunReport, exit_code, summarize_files};
use clap::Args;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use tandem_config::{Layer, setup};
use tandem_core::agent::{Event, Outcome};
use tandem_core::model::replay::{Recorder, Replayer};
use tandem_core::session::{self, Chosen, Expanded, Record, RunSummary, SessionBuilder, saved};
use tandem_core::workspace::Workspace;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

#[derive(Args, Debug)]
pub struct ExecArgs {
    /// What the agent should do. `-` reads the prompt from standard input.
    pub prompt: String,
    /// Attach an image (PNG, JPEG, GIF or WebP) to the prompt, as Codex's
    /// `-i`; repeatable. Larger than 1568 px on its long edge, it is scaled.
    #[arg(short = 'i', long = "image", value_name = "FILE")]
    pub images: Vec<PathBuf>,
    /// Work in this folder instead of the current one.
    #[arg(short = 'C', long = "cd", value_name = "DIR")]
    pub cd: Option<PathBuf>,
    /// Print one JSON event per line instead of human output.
    #[arg(long)]
    pub json: bool,
    /// Write the proposal to disk when the run succeeds: each file as the
    /// agent left it, merged with your edits made meanwhile, or refused
    /// where they overlap. Files that run code on your machine are left out
    /// unless named with `--apply-path` or `--apply-protected`.
    #[arg(long)]
    pub apply: bool,
    #[command(flatten)]
    pub apply_flags: super::apply::ApplyFlags,
    /// Record every model response to FILE (JSON lines) for `--replay`.
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// Play the model's turns back from a recording instead of calling a model.
    #[arg(long, value_name = "FILE", conflicts_with = "record")]
    pub replay: Option<PathBuf>,
    #[command(flatten)]
    pub flags: RunFlags,
    /// Run as a background task: print its id and return at once (see
    /// `tandem task`).
    #[arg(long)]
    pub background: bool,
    /// Allow calls matching RULE without asking, in Claude Code's syntax
    /// (e.g. 'Bash(npm run test:*)', 'Edit(src/**)'). Repeatable.
    #[arg(long = "allow", value_name = "RULE")]
    pub allow: Vec<String>,
    /// A call that needs approval: `prompt` asks on the terminal (default
    /// when standard input is a terminal), `deny` refuses it (default otherwise).
    #[arg(long, value_enum)]
    pub approvals: Option<Approvals>,
    /// Treat each line typed on standard input as a steering message
    /// (the default when standard input is a terminal).
    #[arg(long)]
    pub steer_from_stdin: bool,
    /// Run the hooks and MCP servers this repository defines, for this run
    /// only, without asking (see `tandem trust`).
    #[arg(long)]
    pub trust: bool,
    /// Go on with the last session in this folder: its conversation
    /// reaches the model before the prompt.
    #[arg(long = "continue")]
    pub continue_last: bool,
    /// Go on with session ID (or the start of one; `tandem sessions` lists them).
    #[arg(long, value_name = "ID", conflicts_with = "continue_last")]
    pub resume: Option<String>,
    /// Start a new session from a copy of session ID's conversation (the
    /// original stays as it was).
    #[arg(long, value_name = "ID", conflicts_with_all = ["continue_last", "resume"])]
    pub fork: Option<String>,
}

impl ExecArgs {
    /// `--apply`, or naming a file to apply (which would mean nothing
    /// without it).
    fn applies(&self) -> bool {
        self.apply || !self.apply_flags.apply_path.is_empty() || self.apply_flags.apply_protected
    }
}

pub async fn run_exec(args: ExecArgs) -> i32 {
    if args.background {
        return match start_background(&args) {
            Ok(id) => {
                outln!("{id}");
                0
            }
            Err(message) => {
                eprintln!("error: {message}");
                2
            }
        };
    }
    match prepare(&args).await {
        Ok(run) => run.execute(&args).await,
        Err(message) => {
            eprintln!("error: {message}");
            2
        }
    }
}

struct PreparedRun {
    workspace: Arc<Workspace>,
    provider: Chosen,
    loaded: setup::Loaded,
    prompt: String,
    /// `-i` images, checked and scaled before any model call.
    images: Vec<tandem_core::model::Image>,
    /// The saved session this run goes on with, and whether as a fork.
    from: Option<(saved::Loaded, bool)>,
}

/// `--continue`, `--resume ID`, `--fork ID`: the session to go on with.
fn continued(
    args: &ExecArgs,
    root: &std::path::Path,
) -> Result<Option<(saved::Loaded, bool)>, String> {
    let (found, fork) = if args.continue_last {
        let last = saved::latest(root).ok_or_else(|| {
            format!(
                "--continue: no session in {} yet; run `tandem exec` once first",
                root.display()
            )
        })?;
        (last, false)
    } else if let Some(id) = &args.resume {
        (saved::find(root, id)?, false)
    } else if let Some(id) = &args.fork {
        (saved::find(root, id)?, true)
    } else {
        return Ok(None);
    };
    Ok(Some((saved::load(&found)?, fork)))
}

async fn prepare(args: &ExecArgs) -> Result<PreparedRun, String> {
    let root = super::workdir(&args.cd)?;
    let workspace =
        Workspace::new(&root).map_err(|e| format!("cannot open {}: {e}", root.display()))?;
    let interactive = std::io::stdin().is_terminal() && args.prompt != "-";
    let trust = super::trust::decide(workspace.root(), args.trust, interactive);
    let loaded = setup::load(
        workspace.root(),
        // The layer above the config files: flags and `-c` overrides.
        vec![Layer::Table(args.flags.table()?)],
        trust,
    )?;

    let prompt = if args.prompt == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .map_err(|e| format!("cannot read the prompt from stdin: {e}"))?;
        text
    } else {
        args.prompt.clone()
    };
    if prompt.trim().is_empty() {
        return Err("the prompt is empty".into());
    }
    let from = continued(args, workspace.root())?;
    let images = tandem_core::images::load_files(&args.images, "-i")?;

    let provider = if let Some(path) = &args.replay {
        let replay = Replayer::open(path).map_err(|e| e.to_string())?;
        let model = replay.model().to_string();
        Chosen {
            provider: Arc::new(replay),
            provider_name: "replay".into(),
            model,
            max_tokens: 16_000,
            thinking_budget: None,
        }
    } else {
        let mut chosen = session::choose_provider(loaded.settings()).await?;
        if let Some(path) = &args.record {
            chosen.provider = Arc::new(
                Recorder::create(chosen.provider, path, &chosen.model)
                    .map_err(|e| format!("cannot record to {}: {e}", path.display()))?,
            );
        }
        chosen
    };
    if !images.is_empty() && !loaded.setup.table.images(&provider.model) {
        return Err(format!(
            "-i: the model {} takes no images (`images = false` in its [models] entry); \
             choose one that does with --model",
            provider.model
        ));
    }

    Ok(PreparedRun {
        workspace: Arc::new(workspace),
        provider,
        loaded,
        prompt,
        images,
        from,
    })
}

/// `--background`: the run becomes a task handed to a worker process.
fn start_background(args: &ExecArgs) -> Result<String, String> {
    if args.replay.is_some() || args.record.is_some() || args.applies() || !args.images.is_empty() {
        return Err("--background does not combine with --replay, --record, --apply or -i".into());
    }
    if args.trust {
        // A task never asks and --trust is for one run: trust is stored.
        return Err("--background follows the stored trust: run `tandem trust` first".into());
    }
    let root = super::workdir(&args.cd)?;
    let store = tandem_core::tasks::Store::open(&root).map_err(|e| e.to_string())?;
    let ids = super::task::start(&store, &args.prompt, &args.flags.table()?, 1)?;
    Ok(ids.join("\n"))
}

impl PreparedRun {
    async fn execute(self, args: &ExecArgs) -> i32 {
        let cancel = CancellationToken::new();
        let setup = &self.loaded.setup;
        let (tx, mut rx) = mpsc::unbounded_channel::<Event>();
        let interactive = std::io::stdin().is_terminal() && args.prompt != "-";
        let approvals = args.approvals.unwrap_or(if interactive {
            Approvals::Prompt
        } else {
            Approvals::Deny
        });
        let steer_from_stdin = args.steer_from_stdin || interactive;
        let timeout = setup.settings.agent.approval_timeout_secs;
        let builder = SessionBuilder::new(
            setup,
            self.workspace.clone(),
            self.provider,
            cancel.clone(),
            tx.clone(),
        );
        let mcp = session::mcp::start(setup, tx);
        let built = builder
            .approver(Box::new(move |steer| {
                // Standard input carries both steering lines and answers.
                if !steer_from_stdin && approvals != Approvals::Prompt {
                    return None;
                }
                let terminal = spawn_stdin(steer_from_stdin.then(|| steer.clone()), timeout);
                (approvals == Approvals::Prompt).then_some(terminal as _)
            }))
            .allow(&args.allow)
            .tools_from(mcp.source())
            .record(match self.from {
                Some((from, fork)) => Record::Continue {
                    prompt: self.prompt.clone(),
                    from: Box::new(from),
                    fork,
                },
                None => Record::SessionLog {
                    prompt: self.prompt.clone(),
                },
            })
            .build();
        let built = match built {
            Ok(built) => built,
            Err(message) => {
                eprintln!("error: {message}");
                mcp.shutdown().await;
                return 2;
            }
        };
        // A `/command`: expanded, answered (`/help`), or refused before
        // any model call when no command or skill has that name.
        let prompt = match built.prompt(&self.prompt) {
            Ok(Expanded::Prompt(p)) => p,
            Ok(Expanded::Answer(text)) => {
                mcp.shutdown().await;
                out!("{text}");
                return 0;
            }
            Ok(Expanded::Clear) => {
                mcp.shutdown().await;
                outln!(
                    "Each `tandem exec` is a new conversation unless --continue, --resume or --fork says otherwise."
                );
                return 0;
            }
            Ok(Expanded::Compact(focus)) => {
                let mut session = built.session;
                let done = session.compact_now(focus.as_deref()).await;
                session.end("compacted").await;
                mcp.shutdown().await;
                if !done {
                    eprintln!(
                        "error: nothing to compact: `/compact` works on a session this run goes on with (--continue, --resume)"
                    );
                    return 2;
                }
                outln!(
                    "Compacted session {}: it goes on from the summary.",
                    built.session_id
                );
                return 0;
            }
            Err(message) => {
                mcp.shutdown().await;
                eprintln!("error: {message}");
                return 2;
            }
        };
        let ctx = built.ctx.clone();
        let session_id = built.session_id.clone();
        let mut session = built.session;
        spawn_interrupt_handler(cancel.clone());

        let json = args.json;
        let printer = tokio::spawn(async move {
            let mut human = (!json).then(HumanProgress::new);
            let mut summary = RunSummary::default();
            let stdout = std::io::stdout();
            while let Some(event) = rx.recv().await {
                summary.observe(&event);
                match &mut human {
                    Some(h) => h.event(&event),
                    None => {
                        // Warnings also reach a person watching stderr.
                        if let Event::Warning { message } = &event {
                            eprintln!("warning: {message}");
                        }
                        let mut out = stdout.lock();
                        let _ = writeln!(out, "{}", tandem_protocol::to_line(&event).unwrap());
                        let _ = out.flush();
                    }
                }
            }
            summary
        });

        session::mcp::wait_started(&mcp, setup, &cancel).await;
        let outcome = session.run_with_images(&prompt, self.images).await;
        session.end("exec finished").await;
        mcp.shutdown().await;
        let usage = session.usage();
        let cost_usd = session.cost_usd();
        drop(session); // closes the event channel so the printer ends
        let summary = printer.await.unwrap_or_default();
        // On stderr in both modes: how to go on with this conversation.
        eprintln!(
            "session {session_id}: `tandem exec --continue` (or --resume {}) goes on with it",
            &session_id[..session_id.len().min(8)]
        );

        let mut apply = None;
        let mut apply_error = None;
        if args.applies() && outcome == Outcome::Done {
            let changes = self.workspace.changes();
            match args
                .apply_flags
                .include(&self.workspace)
                .and_then(|include| {
                    tandem_core::apply::apply(self.workspace.root(), &changes, &include)
                        .map_err(|e| e.to_string())
                }) {
                Ok(done) => apply = Some(done),
                Err(e) => apply_error = Some(format!("could not apply the changes: {e}")),
            }
        }
        let changes = self.workspace.changes();
        let report = RunReport {
            outcome,
            message: summary.message,
            diff: changes.unified_diff(),
            files: summarize_files(&changes, &self.workspace.runs_code()),
            citations: self.workspace.citations().iter().collect(),
            commands: ctx.commands.lock().clone(),
            sources: ctx.sources.lock().clone(),
            turns: summary.turns,
            usage,
            cost_usd,
            applied: apply
                .as_ref()
                .is_some_and(tandem_core::apply::Applied::complete),
            apply: apply.clone(),
            error: apply_error.clone().or(summary.error),
            next: None,
        };
        if json {
            let mut value = serde_json::to_value(&report).unwrap();
            value["type"] = "result".into();
            outln!("{value}");
        } else {
            // On a terminal the progress already streamed the final message.
            let terminal = std::io::stdout().is_terminal();
            let color = terminal && std::env::var_os("NO_COLOR").is_none();
            out!("{}", render_report(&report, color, !terminal));
        }
        if apply_error.is_some() {
            return 1;
        }
        match &apply {
            Some(done) if super::apply::exit_code(done) != 0 => super::apply::exit_code(done),
            _ => exit_code(outcome),
        }
    }
}

/// First Ctrl-C cancels the run cleanly; a second one exits at once.
fn spawn_interrupt_handler(cancel: CancellationToken) {
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\ncancelling… (Ctrl-C again to quit now)");
            cancel.cancel();
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        }
    });
}
