//! Hooks of a background task run inside the task's sandbox, like its
//! commands: no network, no secrets in their environment, and what they
//! write joins the task's proposal instead of the user's files. The
//! sandbox's `prepare` / `collect` are what the shell tool uses too.

use crate::hooks::{Launch, Launcher};
use crate::sandbox::Sandbox;
use crate::workspace::Workspace;
use std::sync::Arc;

pub struct InSandbox {
    pub sandbox: Arc<dyn Sandbox>,
    pub workspace: Arc<Workspace>,
}

impl Launcher for InSandbox {
    fn prepare(&self, command: &str) -> std::io::Result<Launch> {
        let l = self.sandbox.prepare(&self.workspace, "sh", command, "")?;
        Ok(Launch {
            // The view's root: the workspace itself under the overlay, the
            // worktree with the copy backend.
            project_dir: l.cwd.clone(),
            program: l.program,
            args: l.args,
            cwd: l.cwd,
            env: l.env,
        })
    }

    fn finish(&self) {
        if let Err(e) = self.sandbox.collect(&self.workspace) {
            tracing::warn!("could not read back what a hook wrote: {e}");
        }
    }
}
