//! Human output of `tandem exec`: live progress on stderr (a spinner with the
//! current step when stderr is a terminal, plain lines otherwise), and the
//! final report on stdout so it can be piped or saved.

use super::report::RunReport;
use console::{Style, style};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;
use std::time::Duration;
use tandem_core::agent::{Event, Outcome, budget};
use tandem_core::changes::ChangeKind;

pub struct HumanProgress {
    bar: ProgressBar,
    /// Model text of the current turn not yet ended by a newline.
    pending_text: String,
}

impl Default for HumanProgress {
    fn default() -> Self {
        Self::new()
    }
}

impl HumanProgress {
    pub fn new() -> Self {
        // indicatif draws nothing when stderr is not a terminal.
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner:.cyan} {msg} {elapsed:.dim}")
                .expect("static template"),
        );
        bar.enable_steady_tick(Duration::from_millis(100));
        HumanProgress {
            bar,
            pending_text: String::new(),
        }
    }

    fn line(&self, text: impl AsRef<str>) {
        if self.bar.is_hidden() {
            eprintln!("{}", text.as_ref());
        } else {
            self.bar.println(text.as_ref());
        }
    }

    fn flush_text(&mut self) {
        if !self.pending_text.is_empty() {
            let text = std::mem::take(&mut self.pending_text);
            self.line(text);
        }
    }

    pub fn event(&mut self, event: &Event) {
        match event {
            Event::Started {
                model,
                provider,
                instructions,
                sandbox,
            } => {
                self.line(format!("{} {model} via {provider}", style("tandem").bold()));
                if let Some(sandbox) = sandbox {
                    self.line(style(format!("  sandbox: {sandbox}")).dim().to_string());
                }
                for path in instructions {
                    self.line(style(format!("  instructions: {path}")).dim().to_string());
                }
            }
            Event::TurnStarted { turn } => {
                self.flush_text();
                self.bar.set_message(format!("turn {turn}: thinking"));
            }
            Event::TextDelta { text } => {
                self.pending_text.push_str(text);
                while let Some(nl) = self.pending_text.find('\n') {
                    let line: String = self.pending_text.drain(..=nl).collect();
                    self.line(line.trim_end_matches('\n'));
                }
                self.bar.set_message("writing");
            }
            Event::ThinkingDelta { .. } => self.bar.set_message("thinking"),
            Event::Retrying {
                attempt,
                delay_ms,
                reason,
            } => {
                self.pending_text.clear();
                self.line(
                    style(format!(
                        "↻ {reason}; retry {attempt} in {:.1}s",
                        *delay_ms as f64 / 1000.0
                    ))
                    .yellow()
                    .to_string(),
                );
            }
            Event::ToolCallStarted { name, input, .. } => {
                self.flush_text();
                let what = describe_call(name, input);
                self.line(format!("{} {}", style("●").cyan(), what));
                self.bar.set_message(what);
            }
            Event::ToolCallFinished {
                output, is_error, ..
            } => {
                let first = output.lines().next().unwrap_or("").trim();
                let first: String = first.chars().take(120).collect();
                if *is_error {
                    self.line(style(format!("  ✗ {first}")).red().to_string());
                } else {
                    let n = output.lines().count();
                    // Shell results end with their exit status: worth seeing.
                    let status = output
                        .lines()
                        .last()
                        .filter(|l| l.starts_with("[exit code"))
                        .map(|l| format!(", {}", l.trim_matches(['[', ']'])))
                        .unwrap_or_default();
                    self.line(style(format!("  └ {n} lines{status}")).dim().to_string());
                }
            }
            Event::ProposalChanged { files, .. } => {
                self.bar
                    .set_message(format!("{} files in the proposal", files.len()));
            }
            Event::Steered { message } => self.line(
                style(format!("» steering: {message}"))
                    .magenta()
                    .to_string(),
            ),
            Event::Compacted {
                messages_before,
                messages_after,
            } => self.line(
                style(format!(
                    "context compacted: {messages_before} → {messages_after} messages"
                ))
                .dim()
                .to_string(),
            ),
            Event::Error { message } => {
                self.flush_text();
                self.line(style(format!("error: {message}")).red().bold().to_string());
            }
            Event::InstructionsLoaded { files, trigger } => {
                for path in files {
                    self.line(
                        style(format!("  instructions: {path} (for {trigger})"))
                            .dim()
                            .to_string(),
                    );
                }
            }
            Event::ContextLoaded {
                skills,
                project_memory,
                user_memory,
            } => {
                if !skills.is_empty() {
                    let list = skills.join(", ");
                    self.line(style(format!("  skills: {list}")).dim().to_string());
                }
                for (scope, path) in [("project", project_memory), ("user", user_memory)] {
                    if let Some(path) = path {
                        let line = format!("  {scope} memory: {path}");
                        self.line(style(line).dim().to_string());
                    }
                }
            }
            Event::Warning { message } => {
                self.flush_text();
                self.line(style(format!("warning: {message}")).yellow().to_string());
            }
            Event::McpServer {
                server,
                tools,
                error,
            } => match error {
                None => self.line(
                    style(format!("  mcp: {server} ready ({tools} tools)"))
                        .dim()
                        .to_string(),
                ),
                Some(error) => {
                    self.flush_text();
                    self.line(
                        style(format!("mcp server `{server}`: {error}"))
                            .yellow()
                            .to_string(),
                    );
                }
            },
            Event::Untrusted {
                folder,
                reason,
                skipped,
            } => {
                self.flush_text();
                let skipped = tandem_config::trust::Skipped {
                    folder: folder.clone(),
                    reason: reason.clone(),
                    commands: skipped.clone(),
                };
                let line = format!("warning: {}", skipped.line());
                self.line(style(line).yellow().to_string());
            }
            Event::ToolProgress {
                progress,
                total,
                message,
                ..
            } => {
                let line = progress_line(*progress, *total, message.as_deref());
                // On a terminal the bar carries it; piped, a line each.
                if self.bar.is_hidden() {
                    self.line(style(format!("  ⋯ {line}")).dim().to_string());
                } else {
                    self.bar.set_message(line);
                }
            }
            // With a cap, the spend beside it, as a line (the cap matters).
            Event::Usage {
                cost_usd,
                max_cost_usd: Some(cap),
                ..
            } => {
                let spent = cost_usd.map_or_else(|| "cost unknown".into(), budget::dollars);
                let line = format!("  {spent} of {}", budget::dollars(*cap));
                self.bar.set_message(line.trim().to_string());
                self.line(style(line).dim().to_string());
            }
            Event::Usage { .. } | Event::Message { .. } => {}
            Event::SubagentStarted { .. }
            | Event::SubagentFinished { .. }
            | Event::SubagentConflict { .. }
            | Event::Subagent { .. } => {
                if let Some(line) = subagent_line(event) {
                    self.flush_text();
                    self.line(line);
                }
            }
            Event::Finished { .. } => {
                self.flush_text();
                self.bar.finish_and_clear();
            }
        }
    }
}

/// A line for a sub-agent's event, in its own colour and prefix; `None`
/// for what is not worth a line (its text, its usage).
fn subagent_line(event: &Event) -> Option<String> {
    Some(match event {
        Event::SubagentStarted {
            id, description, ..
        } => format!("{} {id}: {description}", style("◆").magenta()),
        Event::SubagentFinished {
            id, outcome, usage, ..
        } => style(format!(
            "◆ {id} {}, {} tokens in, {} out",
            match outcome {
                Outcome::Done => "done",
                Outcome::TurnLimit => "stopped at the turn limit",
                Outcome::Cancelled => "cancelled",
                Outcome::ModelError => "failed",
                Outcome::Stuck => "stopped: stuck",
                Outcome::Budget => "stopped at the cost cap",
            },
            usage.context_tokens(),
            usage.output_tokens
        ))
        .dim()
        .to_string(),
        Event::SubagentConflict {
            id,
            path,
            lines,
            with,
        } => style(format!(
            "⚠ {id} changed {lines} of {path}, which {with} changed too"
        ))
        .yellow()
        .to_string(),
        Event::Subagent { id, event } => match &**event {
            Event::ToolCallStarted { name, input, .. } => {
                format!(
                    "  {} {} {}",
                    style(id).dim(),
                    style("●").cyan(),
                    describe_call(name, input)
                )
            }
            Event::ToolCallFinished {
                output,
                is_error: true,
                ..
            } => {
                let first: String = output
                    .lines()
                    .next()
                    .unwrap_or("")
                    .chars()
                    .take(120)
                    .collect();
                style(format!("  {id}   ✗ {first}")).red().to_string()
            }
            Event::Error { message } => style(format!("  {id} error: {message}")).red().to_string(),
            _ => return None,
        },
        _ => return None,
    })
}

/// One line saying what a tool call does, e.g. `shell: cargo test`: what
/// the tool says the call acts on, else the input's first text.
fn describe_call(name: &str, input: &Value) -> String {
    let arg = tandem_core::tools::builtin(name)
        .and_then(|tool| tool.subject(input))
        .or_else(|| {
            input
                .as_object()
                .and_then(|o| o.values().find_map(Value::as_str))
                .map(|s| s.lines().next().unwrap_or("").to_owned())
        })
        .unwrap_or_default();
    let arg: String = arg.chars().take(100).collect();
    if arg.is_empty() {
        name.to_string()
    } else {
        format!("{name}: {arg}")
    }
}

/// The final report, as text for a person. `with_message` is false when the
/// final message was already streamed to the same terminal.
pub fn render_report(report: &RunReport, color: bool, with_message: bool) -> String {
    let paint = |s: Style, text: &str| {
        if color {
            s.apply_to(text).to_string()
        } else {
            text.to_string()
        }
    };
    let heading = |text: &str| paint(Style::new().bold(), &format!("── {text}"));
    let mut out = String::new();
    if with_message && !report.message.trim().is_empty() {
        out.push_str(report.message.trim_end());
        out.push('\n');
    }
    out.push('\n');
    if report.files.is_empty() {
        out.push_str(&heading("No changes proposed"));
        out.push('\n');
    } else {
        let added: usize = report.files.iter().map(|f| f.added).sum();
        let removed: usize = report.files.iter().map(|f| f.removed).sum();
        out.push_str(&heading(&format!(
            "Proposed changes: {} file{}, +{added} -{removed}",
            report.files.len(),
            if report.files.len() == 1 { "" } else { "s" }
        )));
        out.push('\n');
        for f in &report.files {
            let mark = match f.kind {
                ChangeKind::Added => "A",
                ChangeKind::Modified => "M",
                ChangeKind::Deleted => "D",
                ChangeKind::Moved => "R",
            };
            let warn = if f.runs_code {
                paint(
                    Style::new().yellow().bold(),
                    &format!("  ⚠ {}", tandem_core::changes::protected::RUNS_CODE),
                )
            } else {
                String::new()
            };
            out.push_str(&format!(
                "   {mark} {} (+{} -{}){warn}\n",
                f.path, f.added, f.removed
            ));
        }
        out.push('\n');
        for line in report.diff.lines() {
            let styled = if line.starts_with("+++") || line.starts_with("---") {
                paint(Style::new().bold(), line)
            } else if line.starts_with('+') {
                paint(Style::new().green(), line)
            } else if line.starts_with('-') {
                paint(Style::new().red(), line)
            } else if line.starts_with("@@") {
                paint(Style::new().cyan(), line)
            } else {
                line.to_string()
            };
            out.push_str(&styled);
            out.push('\n');
        }
    }
    if !report.citations.is_empty() {
        out.push('\n');
        out.push_str(&heading("Files read"));
        out.push('\n');
        for c in &report.citations {
            out.push_str(&format!("   {}:{}-{}\n", c.path, c.start_line, c.end_line));
        }
    }
    if !report.sources.is_empty() {
        out.push('\n');
        out.push_str(&heading("Sources used"));
        out.push('\n');
        for s in &report.sources {
            out.push_str(&format!("   {} {} ({})\n", s.kind, s.name, s.detail));
        }
    }
    if !report.commands.is_empty() {
        out.push('\n');
        out.push_str(&heading("Commands run"));
        out.push('\n');
        for c in &report.commands {
            let status = match (c.exit_code, c.timed_out) {
                (_, true) => "timed out".to_string(),
                (Some(code), _) => format!("exit {code}"),
                (None, _) => "killed".to_string(),
            };
            out.push_str(&format!("   $ {}  → {status}\n", c.command));
        }
    }
    if let Some(applied) = &report.apply {
        out.push('\n');
        out.push_str(&heading("Applied"));
        out.push('\n');
        out.push_str(&super::apply::render(applied, None));
    }
    out.push('\n');
    let u = &report.usage;
    let cost = report
        .cost_usd
        .map_or_else(|| "cost unknown".to_string(), |c| format!("${c:.4}"));
    out.push_str(&heading(&format!(
        "{} turn{} · {} in ({} cache read, {} cache write) · {} out · {cost}",
        report.turns,
        if report.turns == 1 { "" } else { "s" },
        u.input_tokens,
        u.cache_read_tokens,
        u.cache_write_tokens,
        u.output_tokens,
    )));
    out.push('\n');
    let ending = match report.outcome {
        _ if report.next.is_some() => report.next.clone().unwrap_or_default(),
        Outcome::Done if report.apply.is_some() => report
            .apply
            .as_ref()
            .map(super::apply::ending)
            .unwrap_or_default(),
        Outcome::Done if report.applied => "Applied to your files.".to_string(),
        Outcome::Done if report.files.is_empty() => "Done.".to_string(),
        Outcome::Done => "Not applied: run again with --apply to write these changes.".to_string(),
        Outcome::TurnLimit => "Stopped: the turn limit was reached; nothing was applied.".into(),
        Outcome::Cancelled => "Cancelled; nothing was applied.".into(),
        Outcome::ModelError => format!(
            "Failed: {}; nothing was applied.",
            report.error.as_deref().unwrap_or("the model call failed")
        ),
        Outcome::Stuck => format!(
            "Stopped, {}; nothing was applied.",
            report
                .error
                .as_deref()
                .unwrap_or("stuck: the agent kept repeating a failing call")
        ),
        Outcome::Budget => format!(
            "Stopped, {}; nothing was applied.",
            report
                .error
                .as_deref()
                .unwrap_or("budget: the cost cap was reached")
        ),
    };
    out.push_str(&ending);
    out.push('\n');
    out
}

/// `3/5 (60%) copying` or `3 copying` when the total is unknown.
fn progress_line(progress: f64, total: Option<f64>, message: Option<&str>) -> String {
    let mut line = match total {
        Some(total) if total > 0.0 => format!(
            "{progress}/{total} ({:.0}%)",
            (progress / total * 100.0).clamp(0.0, 100.0)
        ),
        _ => format!("{progress}"),
    };
    if let Some(message) = message.filter(|m| !m.is_empty()) {
        line.push(' ');
        line.push_str(message);
    }
    line
}
