-- `tandem/event`: the stream of a run (started, tool calls, the final
-- message, finished). Keeps which runs are going on, and tells the user
-- when one ends.
local config = require("tandem.config")

local M = {}

-- run id -> { state = "running" | outcome, message = final text, step = "…" }
M.runs = {}

local outcomes = {
  done = "done",
  turn_limit = "stopped at the turn limit",
  cancelled = "cancelled",
  model_error = "the model call failed",
  stuck = "stopped: stuck repeating a failing call",
  budget = "stopped at its cost cap",
}

local function first_line(text)
  local line = (text or ""):match("^%s*([^\n]*)") or ""
  if #line > 120 then
    line = line:sub(1, 117) .. "…"
  end
  return line
end

function M.on_event(params, _)
  if type(params) ~= "table" or type(params.event) ~= "table" then
    return
  end
  local id, ev = params.run, params.event
  local run = M.runs[id] or { state = "running" }
  M.runs[id] = run
  if ev.type == "tool_call_started" then
    run.step = ev.name
  elseif ev.type == "message" then
    run.message = ev.text
  elseif ev.type == "usage" then
    run.cost_usd = ev.cost_usd
    run.max_cost_usd = ev.max_cost_usd
  elseif ev.type == "proposal_changed" then
    run.files = ev.files
  elseif ev.type == "finished" then
    run.state = ev.outcome
    if config.options.notify then
      local what = outcomes[ev.outcome] or tostring(ev.outcome)
      local text = ("Tandem: run %s %s"):format(tostring(id), what)
      if run.files and #run.files > 0 then
        text = text .. (" (%d file%s proposed)"):format(#run.files, #run.files == 1 and "" or "s")
      end
      if run.message and run.message ~= "" then
        text = text .. ": " .. first_line(run.message)
      end
      local level = ev.outcome == "done" and vim.log.levels.INFO or vim.log.levels.WARN
      vim.schedule(function()
        vim.notify(text, level)
      end)
    end
  end
  vim.api.nvim_exec_autocmds("User", {
    pattern = "TandemEvent",
    modeline = false,
    data = params,
  })
end

--- Whether any run is going on.
function M.running()
  for _, run in pairs(M.runs) do
    if run.state == "running" then
      return true
    end
  end
  return false
end

return M
