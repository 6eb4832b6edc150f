//! Running the model's tool calls: consecutive read-only calls run in
//! parallel, anything that edits or executes runs alone and in order. Every
//! failure becomes a result the model can read; output is truncated.

use super::events::Event;
use super::gate::Gate;
use crate::model::Block;
use crate::tools::{
    Permission, Registry, ToolContext, ToolOutput, progress, truncate::truncate_middle,
};
use serde_json::Value;
use tokio::sync::mpsc::UnboundedSender;

#[derive(Debug, Clone)]
pub struct Call {
    pub id: String,
    pub name: String,
    pub input: Value,
}

/// Run the calls and return one `ToolResult` block per call, in call order.
/// Once the run is cancelled, the calls not yet started get a "cancelled"
/// result so the conversation stays valid.
pub async fn run_calls(
    calls: Vec<Call>,
    tools: &Registry,
    ctx: &ToolContext,
    gate: &Gate,
    output_limit: usize,
    events: &UnboundedSender<Event>,
) -> Vec<Block> {
    let mut results = Vec::with_capacity(calls.len());
    let mut i = 0;
    while i < calls.len() {
        // A batch: either a run of read-only calls, or one other call.
        let read_only = |c: &Call| {
            tools
                .get(&c.name)
                .is_none_or(|t| t.permission_for(&c.input) == Permission::ReadOnly)
        };
        let mut end = i + 1;
        if read_only(&calls[i]) {
            while end < calls.len() && read_only(&calls[end]) {
                end += 1;
            }
        }
        let batch = &calls[i..end];
        if ctx.cancel.is_cancelled() {
            for call in batch {
                results.push(result_block(
                    call,
                    ToolOutput::error("not run: the user cancelled the task"),
                ));
            }
        } else {
            // A batch of readers cannot change the proposal: no snapshot
            // (a copy of every proposed file) to compare.
            let before = (!read_only(&batch[0])).then(|| ctx.workspace.changes());
            for call in batch {
                let _ = events.send(Event::ToolCallStarted {
                    id: call.id.clone(),
                    name: call.name.clone(),
                    input: call.input.clone(),
                });
            }
            let outputs = futures::future::join_all(
                batch
                    .iter()
                    .map(|c| progress::scope(&c.id, events, run_one(c, tools, ctx, gate))),
            )
            .await;
            for (call, mut output) in batch.iter().zip(outputs) {
                output.content = truncate_middle(&output.content, output_limit);
                let _ = events.send(Event::ToolCallFinished {
                    id: call.id.clone(),
                    name: call.name.clone(),
                    output: output.content.clone(),
                    is_error: output.is_error,
                });
                results.push(result_block(call, output));
            }
            if let Some(before) = before {
                let after = ctx.workspace.changes();
                if after != before {
                    let _ = events.send(Event::ProposalChanged {
                        files: after.files().map(|(p, _)| p.clone()).collect(),
                        runs_code: ctx.workspace.runs_code_paths(),
                    });
                }
            }
        }
        i = end;
    }
    results
}

async fn run_one(call: &Call, tools: &Registry, ctx: &ToolContext, gate: &Gate) -> ToolOutput {
    let Some(tool) = tools.get(&call.name) else {
        let names = tools.names();
        return ToolOutput::error(format!(
            "there is no tool named `{}`; the tools are: {}",
            call.name,
            names.join(", ")
        ));
    };
    if !call.input.is_object() {
        let raw = match &call.input {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        return ToolOutput::error(format!(
            "the arguments for `{}` were not a valid JSON object: {raw}",
            call.name
        ));
    }
    // The input a hook may have rewritten is the one that runs.
    let input = match gate.before(&*tool, &call.id, &call.input).await {
        Ok(input) => input,
        Err(refusal) => return refusal,
    };
    let mut output = tool.run(input.clone(), ctx).await;
    gate.after(&*tool, &call.id, &input, &mut output).await;
    output
}

fn result_block(call: &Call, output: ToolOutput) -> Block {
    Block::ToolResult {
        tool_use_id: call.id.clone(),
        content: output.content,
        is_error: output.is_error,
        images: output.images,
    }
}
