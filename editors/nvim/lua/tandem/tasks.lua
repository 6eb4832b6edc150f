-- Background tasks: `tandem.task.start`, `tandem/tasks`, `tandem.task.show`,
-- and `tandem/taskChanged` notifications.
local client = require("tandem.client")

local M = {}

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
    vim.notify(("Tandem: task %s started in the background"):format(tostring(id)))
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
    tostring(t.id),
    tostring(t.state),
    prompt,
    files,
    files == 1 and "" or "s",
    cost
  )
end

M.format = format_task

function M.show(buf, id)
  client.execute(buf, "tandem.task.show", { id = id }, function(err)
    failed(err, "showing the task")
  end)
end

--- Pick a task from the list and open it as the proposal.
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
      if choice then
        M.show(buf, choice.id)
      end
    end)
  end)
end

function M.on_changed(params, _)
  if type(params) ~= "table" then
    return
  end
  vim.schedule(function()
    vim.notify(("Tandem: task %s is %s"):format(tostring(params.id), tostring(params.state)))
  end)
  vim.api.nvim_exec_autocmds("User", {
    pattern = "TandemTaskChanged",
    modeline = false,
    data = params,
  })
end

return M
