-- Background tasks: `tandem.task.start`, `tandem/tasks`, `tandem.task.show`,
-- and `tandem/taskChanged` notifications.
local client = require("tandem.client")

local M = {}

local function short(id)
  return tostring(id):sub(-8)
end

local function unsupported(err)
  local message = type(err) == "table" and err.message or tostring(err)
  if message:find("unknown command", 1, true) or message:find("not found", 1, true) then
    vim.notify(
      "Tandem: this server does not run background tasks yet (" .. message .. ")",
      vim.log.levels.WARN
    )
    return true
  end
  return false
end

local function failed(err, what)
  if err and not unsupported(err) then
    client.report(err, what)
  end
  return err ~= nil
end

function M.start(buf, prompt)
  if not prompt or vim.trim(prompt) == "" then
    vim.notify("Tandem: :Tandem task needs a prompt", vim.log.levels.WARN)
    return
  end
  client.execute(buf, "tandem.task.start", { prompt = prompt }, function(err, result)
    if failed(err, "starting the task") then
      return
    end
    local id = result and result.task
    vim.notify(("Tandem: task %s started in the background"):format(short(id)))
  end)
end

local function format_task(t)
  local files = t.files and #t.files or 0
  local cost = t.cost_usd and (" $%.2f"):format(t.cost_usd) or ""
  local prompt = (t.prompt or ""):gsub("%s+", " ")
  if #prompt > 60 then
    prompt = prompt:sub(1, 57) .. "…"
  end
  return ("#%s [%s] %s (%d file%s%s)"):format(
    short(t.id),
    tostring(t.state),
    prompt,
    files,
    files == 1 and "" or "s",
    cost
  )
end

M.format = format_task

-- The task a command is about: `id` (a full id or a prefix), else the one
-- opened last.
M.current = nil

--- Open task `id`'s result for review as its own proposal (its group),
--- say so, and jump to its first hunk.
function M.show(buf, id)
  client.execute(buf, "tandem.task.show", { id = id }, function(err, result)
    if failed(err, "showing the task") then
      return
    end
    local info = (result and result.task) or { id = id }
    local full = info.id or id
    M.current = full
    local group = (result and result.group) or ("task:" .. full)
    local review = require("tandem.review")
    review.fetch(buf, function(list)
      local n = 0
      for _, g in ipairs((list and list.groups) or {}) do
        if g.id == group then
          n = tonumber(g.hunks) or 0
        end
      end
      local first = review.first_hunk(list, group)
      if first then
        local ok, fname = pcall(vim.uri_to_fname, first.uri)
        if ok then
          local win = vim.api.nvim_get_current_win()
          if vim.bo.buftype ~= "" then
            vim.cmd("wincmd p")
            win = vim.api.nvim_get_current_win()
          end
          if vim.api.nvim_buf_get_name(vim.api.nvim_win_get_buf(win)) ~= fname then
            vim.cmd.edit(vim.fn.fnameescape(vim.fn.fnamemodify(fname, ":.")))
          end
          local target = vim.api.nvim_get_current_buf()
          local line = math.min((tonumber(first.start) or 0) + 1, vim.api.nvim_buf_line_count(target))
          vim.api.nvim_win_set_cursor(0, { line, 0 })
        end
      end
      vim.notify(
        ("Tandem: task %s opened for review (%d hunk%s): :Tandem task apply | discard | followup {message} | branch"):format(
          short(full),
          n,
          n == 1 and "" or "s"
        )
      )
      require("tandem.review").refresh()
      vim.api.nvim_exec_autocmds("User", { pattern = "TandemTaskOpened", modeline = false, data = { id = full, group = group, hunks = n } })
    end)
  end)
end

-- What `:Tandem task {action} [id] [message]` runs.
local actions = {
  show = function(buf, id)
    M.show(buf, id)
  end,
  apply = function(buf, id)
    require("tandem.answer").send(buf, "tandem.task.apply", { id = id }, "applying the task", function(err, result)
      if not err and result then
        -- Applied in full: `tandem/taskChanged` says so.
        if result.applied then
          return
        elseif result.leftOut and #result.leftOut > 0 then
          vim.notify(("Tandem: task %s applied but for %s (accept them one by one)"):format(short(id), table.concat(result.leftOut, ", ")), vim.log.levels.WARN)
        end
      end
    end)
  end,
  discard = function(buf, id)
    require("tandem.answer").send(buf, "tandem.task.discard", { id = id }, "discarding the task", function(err)
      if not err then
        vim.notify(("Tandem: task %s discarded"):format(short(id)))
      end
    end)
  end,
  followup = function(buf, id, message)
    if not message or vim.trim(message) == "" then
      vim.notify("Tandem: :Tandem task followup needs a message", vim.log.levels.WARN)
      return
    end
    client.execute(buf, "tandem.task.followUp", { id = id, message = message }, function(err)
      if not failed(err, "following the task up") then
        vim.notify(("Tandem: task %s goes on in the background"):format(short(id)))
      end
    end)
  end,
  branch = function(buf, id)
    client.execute(buf, "tandem.task.branch", { id = id }, function(err, result)
      if not failed(err, "making the branch") and result then
        vim.notify(("Tandem: task %s is on branch %s (%s)"):format(short(id), tostring(result.branch), tostring(result.commit):sub(1, 12)))
      end
    end)
  end,
  cancel = function(buf, id)
    client.execute(buf, "tandem.task.cancel", { id = id }, function(err)
      failed(err, "cancelling the task")
    end)
  end,
}

M.actions = { "apply", "discard", "followup", "branch", "show", "cancel" }

--- `:Tandem task {args}`: an action on a task (`apply [id]`, `discard
--- [id]`, `followup [id] {message}`, `branch [id]`, `show [id]`, `cancel
--- [id]`), else start a task with `args` as its prompt. Returns whether
--- `args` was an action.
function M.command(buf, args)
  local verb, rest = (args or ""):match("^(%S+)%s*(.-)%s*$")
  local fn = verb and actions[verb]
  if not fn then
    return false
  end
  local id, more = rest:match("^(%x%x%x%x+)%s*(.-)$")
  if not id then
    id, more = M.current, rest
  end
  -- "apply black formatting" is a prompt: only a follow-up takes words
  -- after the id.
  if verb ~= "followup" and more ~= "" then
    return false
  end
  if not id then
    vim.notify(("Tandem: :Tandem task %s needs a task id (none is open)"):format(verb), vim.log.levels.WARN)
    return true
  end
  fn(buf, id, more)
  return true
end

--- Pick an action for task `t` (vim.ui.select, kind "tandem_task_action").
function M.pick_action(buf, t)
  local done = t.state == "done" or t.state == "turn_limit"
  local items = {}
  if done then
    vim.list_extend(items, {
      { "show", "Open for review" },
      { "apply", "Apply (accept all of it)" },
      { "branch", "Make a git branch of it" },
      { "followup", "Follow up with a message" },
      { "discard", "Discard" },
    })
  elseif t.state == "running" or t.state == "queued" then
    items[#items + 1] = { "cancel", "Cancel" }
  else
    items[#items + 1] = { "followup", "Follow up with a message" }
  end
  vim.ui.select(items, {
    prompt = ("Task %s: %s"):format(short(t.id), (t.prompt or ""):gsub("%s+", " ")),
    kind = "tandem_task_action",
    format_item = function(i)
      return i[2]
    end,
  }, function(choice)
    if not choice then
      return
    end
    if choice[1] == "followup" then
      vim.ui.input({ prompt = "Follow up: " }, function(message)
        if message and vim.trim(message) ~= "" then
          actions.followup(buf, t.id, message)
        end
      end)
    else
      actions[choice[1]](buf, t.id)
    end
  end)
end

--- Pick a task from the list: a finished one opens for review (its own
--- proposal, beside the runs'); others offer what can be done with them.
function M.list(buf)
  client.request(buf, "tandem/tasks", vim.empty_dict(), function(err, result)
    if failed(err, "listing tasks") then
      return
    end
    local tasks = (result and result.tasks) or {}
    if #tasks == 0 then
      vim.notify("Tandem: no background tasks")
      return
    end
    vim.ui.select(tasks, {
      prompt = "Tandem tasks",
      kind = "tandem_tasks",
      format_item = format_task,
    }, function(choice)
      if not choice then
        return
      end
      if (choice.state == "done" or choice.state == "turn_limit") and #(choice.files or {}) > 0 then
        M.show(buf, choice.id)
      else
        M.pick_action(buf, choice)
      end
    end)
  end)
end

function M.on_changed(params, _)
  if type(params) ~= "table" then
    return
  end
  vim.schedule(function()
    local text = ("Tandem: task %s is %s"):format(short(params.id), tostring(params.state))
    if params.state == "done" and #(params.files or {}) > 0 then
      text = text .. (" (%d file%s: :Tandem tasks to review)"):format(#params.files, #params.files == 1 and "" or "s")
    elseif params.state == "failed" and params.error then
      text = text .. ": " .. tostring(params.error)
    end
    vim.notify(text, params.state == "failed" and vim.log.levels.WARN or vim.log.levels.INFO)
  end)
  vim.api.nvim_exec_autocmds("User", {
    pattern = "TandemTaskChanged",
    modeline = false,
    data = params,
  })
end

return M
