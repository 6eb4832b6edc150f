-- `tandem/event`: the stream of a run (started, the plan, tool calls, the
-- final message, finished). Keeps which runs are going on, writes the run
-- log (`:Tandem log`), and tells the user when one ends with what is left
-- to review.
local config = require("tandem.config")

local M = {}

-- run id -> { state = "running" | outcome, message = final text, step = "…" }
M.runs = {}

-- The run log: every run's plan, commands with the tail of their output
-- and exit code, and how it ended. Kept here; `:Tandem log` shows it in a
-- scratch buffer that follows it.
M.log = {}
M.log_buf = nil
-- How many lines of a command's output the log keeps (its tail).
M.output_tail = 8

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

local function log_valid()
  return M.log_buf and vim.api.nvim_buf_is_valid(M.log_buf)
end

--- Add `lines` to the run log (and its buffer, scrolled along).
function M.append(lines)
  local first = #M.log == 0
  if first and lines[1] == "" then
    lines = vim.list_slice(lines, 2)
  end
  vim.list_extend(M.log, lines)
  if not log_valid() then
    return
  end
  local buf = M.log_buf
  vim.bo[buf].modifiable = true
  -- The first lines replace the "(no run yet)" placeholder.
  vim.api.nvim_buf_set_lines(buf, first and 0 or -1, -1, false, lines)
  vim.bo[buf].modifiable = false
  local last = vim.api.nvim_buf_line_count(buf)
  for _, win in ipairs(vim.fn.win_findbuf(buf)) do
    if win ~= vim.api.nvim_get_current_win() then
      vim.api.nvim_win_set_cursor(win, { last, 0 })
    end
  end
end

--- `:Tandem log`: the run log in a scratch buffer, in a split.
function M.open_log()
  if not log_valid() then
    local buf = vim.api.nvim_create_buf(false, true)
    vim.bo[buf].buftype = "nofile"
    vim.bo[buf].bufhidden = "hide"
    vim.bo[buf].swapfile = false
    pcall(vim.api.nvim_buf_set_name, buf, "tandem://log")
    vim.api.nvim_buf_set_lines(buf, 0, -1, false, #M.log > 0 and M.log or { "(no run yet)" })
    vim.bo[buf].modifiable = false
    vim.bo[buf].filetype = "tandemlog"
    vim.api.nvim_buf_call(buf, function()
      vim.cmd([[
        syntax match TandemLogRun /^[▶■] .*$/
        syntax match TandemLogCommand /^  \$ .*$/
        syntax match TandemLogExit /^    \[exit code [1-9][0-9]*\]$/
        syntax match TandemLogDone /^    \[x\] .*$/
        syntax match TandemLogMessage /^  │ .*$/
      ]])
    end)
    local link = function(name, to)
      vim.api.nvim_set_hl(0, name, { link = to, default = true })
    end
    link("TandemLogRun", "Title")
    link("TandemLogCommand", "Statement")
    link("TandemLogExit", "WarningMsg")
    link("TandemLogDone", "Comment")
    link("TandemLogMessage", "String")
    M.log_buf = buf
  end
  local win = vim.fn.bufwinid(M.log_buf)
  if win == -1 then
    vim.cmd("botright split")
    vim.api.nvim_win_set_buf(0, M.log_buf)
    vim.api.nvim_win_set_height(0, math.max(8, math.floor(vim.o.lines / 3)))
    win = vim.api.nvim_get_current_win()
  else
    vim.api.nvim_set_current_win(win)
  end
  vim.api.nvim_win_set_cursor(win, { vim.api.nvim_buf_line_count(M.log_buf), 0 })
  return M.log_buf
end

local marks = { pending = "[ ]", in_progress = "[~]", completed = "[x]" }

local function plan_lines(todos)
  local out = { "  plan:" }
  for _, t in ipairs(type(todos) == "table" and todos or {}) do
    out[#out + 1] = ("    %s %s"):format(marks[t.status] or "[?]", first_line(t.content))
  end
  return out
end

-- The tail of a command's output, its exit code last.
local function output_lines(output)
  local lines = vim.split(output or "", "\n", { plain = true, trimempty = true })
  local out = {}
  local from = math.max(1, #lines - M.output_tail + 1)
  if from > 1 then
    out[#out + 1] = ("    … %d lines above"):format(from - 1)
  end
  for i = from, #lines do
    out[#out + 1] = "    " .. lines[i]
  end
  return out
end

local function tool_line(name, input)
  input = type(input) == "table" and input or {}
  local arg = input.path or input.pattern or input.file_path or input.query
  return ("  %s%s"):format(name, arg and (" " .. first_line(tostring(arg))) or "")
end

-- The log lines of one event.
local function describe(id, run, ev)
  local t = ev.type
  if t == "started" then
    return { "", ("▶ run %s started (%s %s)"):format(tostring(id), tostring(ev.provider), tostring(ev.model)) }
  elseif t == "tool_call_started" then
    run.inputs = run.inputs or {}
    run.inputs[ev.id] = ev.input
    if ev.name == "shell" then
      local cmd = type(ev.input) == "table" and ev.input.command or ""
      local out = {}
      for i, l in ipairs(vim.split(tostring(cmd), "\n", { plain = true })) do
        out[#out + 1] = (i == 1 and "  $ " or "    ") .. l
      end
      return out
    elseif ev.name == "todo" then
      return plan_lines(type(ev.input) == "table" and ev.input.todos)
    end
    return { tool_line(ev.name, ev.input) }
  elseif t == "tool_call_finished" then
    if ev.name == "shell" then
      local out = output_lines(ev.output)
      if ev.is_error and not (ev.output or ""):find("%[exit code") then
        out[#out + 1] = "    (failed)"
      end
      return out
    elseif ev.is_error then
      return { "    error: " .. first_line(ev.output) }
    end
    return {}
  elseif t == "tool_progress" then
    -- As the terminal shows it: `3/5 (60%) copying`, or `3` without a total.
    local progress = tonumber(ev.progress) or 0
    local text = ("%g"):format(progress)
    if type(ev.total) == "number" and ev.total > 0 then
      local pct = math.floor(math.min(100, math.max(0, progress / ev.total * 100)) + 0.5)
      text = ("%g/%g (%d%%)"):format(progress, ev.total, pct)
    end
    if type(ev.message) == "string" and ev.message ~= "" then
      text = text .. " " .. ev.message
    end
    return { "    ⋯ " .. text }
  elseif t == "error" then
    return { "  error: " .. first_line(ev.message) }
  elseif t == "warning" then
    return { "  warning: " .. first_line(ev.message) }
  elseif t == "steered" then
    return { "  steered: " .. first_line(ev.message) }
  elseif t == "message" then
    local out = {}
    for _, l in ipairs(vim.split(ev.text or "", "\n", { plain = true, trimempty = true })) do
      out[#out + 1] = "  │ " .. l
    end
    return out
  end
  return {}
end

-- Count the runs' hunks to review, then say how the run ended.
local function announce(id, run, outcome)
  local what = outcomes[outcome] or tostring(outcome)
  local function say(n)
    local text = ("Tandem: run %s %s"):format(tostring(id), what)
    if run.message and run.message ~= "" then
      text = text .. ": " .. first_line(run.message)
    end
    if n and n > 0 then
      text = text .. (" (%d hunk%s to review: :Tandem review)"):format(n, n == 1 and "" or "s")
    elseif n == 0 then
      text = text .. " (nothing to review)"
    end
    M.append({ ("■ run %s %s%s"):format(tostring(id), what, n and (", %d hunks to review"):format(n) or "") })
    run.summary_text = text
    if config.options.notify then
      vim.notify(text, outcome == "done" and vim.log.levels.INFO or vim.log.levels.WARN)
    end
    vim.api.nvim_exec_autocmds("User", { pattern = "TandemRunFinished", modeline = false, data = { run = id, text = text, hunks = n } })
  end
  local review = require("tandem.review")
  local sent = pcall(review.fetch, 0, function(result)
    local n
    for _, g in ipairs((result and result.groups) or {}) do
      if g.id == "run" then
        n = tonumber(g.hunks) or 0
      end
    end
    if result and not n then
      n = 0
    end
    say(n)
  end)
  if not sent then
    say(nil)
  end
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
  end
  local lines = describe(id, run, ev)
  if #lines > 0 then
    M.append(lines)
  end
  if ev.type == "finished" then
    vim.schedule(function()
      announce(id, run, ev.outcome)
    end)
  end
  vim.cmd("redrawstatus")
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
