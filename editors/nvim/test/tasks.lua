-- Background tasks in Neovim, run by tests/tests/editor_nvim.rs against the
-- real server: `:Tandem task` starts one, `tandem/taskChanged` reports it
-- done, `:Tandem tasks` lists it through vim.ui.select, and picking it opens
-- its result as the inline diff (the buffer itself untouched).
-- Environment: as inline_diff.lua.
local env = vim.env
local result = { checks = {}, failures = {}, notifications = {}, selects = {} }

local function check(name, ok, detail)
  table.insert(result.checks, { name = name, ok = ok and true or false })
  if not ok then
    table.insert(result.failures, name .. (detail and (": " .. vim.inspect(detail)) or ""))
  end
  return ok
end

local function wait(what, cond, ms)
  if not vim.wait(ms or 30000, cond, 20) then
    error("timed out waiting for " .. what, 2)
  end
end

local function main()
  vim.opt.rtp:prepend(env.TANDEM_NVIM_PLUGIN)
  vim.cmd("runtime plugin/tandem.lua")
  local notify = vim.notify
  vim.notify = function(msg, level, opts)
    table.insert(result.notifications, msg)
    return notify(msg, level, opts)
  end
  -- Pick the first task offered.
  vim.ui.select = function(items, opts, on_choice)
    local titles = {}
    for _, item in ipairs(items) do
      table.insert(titles, opts.format_item and opts.format_item(item) or tostring(item))
    end
    table.insert(result.selects, { prompt = opts.prompt, kind = opts.kind, items = titles })
    on_choice(items[1], 1)
  end
  local states = {}
  vim.api.nvim_create_autocmd("User", {
    pattern = "TandemTaskChanged",
    callback = function(ev)
      table.insert(states, ev.data.state)
    end,
  })

  require("tandem").setup({
    cmd = { env.TANDEM_BIN, "lsp" },
    settings = vim.json.decode(env.TANDEM_SETTINGS),
  })
  local inline = require("tandem.inline")
  vim.cmd.edit(vim.fn.fnameescape(env.TANDEM_FILE))
  local buf = vim.api.nvim_get_current_buf()
  local before = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  wait("the server to attach", function()
    return #vim.lsp.get_clients({ name = "tandem", bufnr = buf }) > 0
  end)

  vim.cmd("Tandem task make the greetings friendlier")
  wait("the task to finish", function()
    return vim.tbl_contains(states, "done")
  end)
  check("the task went queued, running, done", vim.deep_equal(states, { "queued", "running", "done" }), states)
  check("no inline diff before the result is opened", #inline.hunks(buf) == 0)

  vim.cmd("Tandem tasks")
  wait("the task's hunks drawn", function()
    return #inline.hunks(buf) == 2
  end)
  local offered = result.selects[1]
  check("the task list went through vim.ui.select", offered and offered.kind == "tandem_tasks", result.selects)
  if offered then
    check("the list shows the task done with its file",
      offered.items[1]:find("[done] make the greetings friendlier (1 file)", 1, true) ~= nil, offered.items)
  end
  check("the buffer is untouched", vim.deep_equal(vim.api.nvim_buf_get_lines(buf, 0, -1, false), before))
end

local ok, err = xpcall(main, debug.traceback)
if not ok then
  table.insert(result.failures, "error: " .. tostring(err))
end
result.messages = vim.fn.execute("messages")
local f = assert(io.open(env.TANDEM_RESULT, "w"))
f:write(vim.json.encode(result))
f:close()
vim.cmd("qa!")
