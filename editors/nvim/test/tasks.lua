-- Background tasks in Neovim, run by tests/tests/editor_nvim.rs against the
-- real server: `:Tandem task` starts one, `tandem/taskChanged` reports it
-- done, `:Tandem tasks` lists it through vim.ui.select, and picking it opens
-- its result as its own proposal drawn inline (the buffer itself untouched)
-- and says so; `:Tandem task apply` takes it. A second task is opened with
-- `:Tandem task show {id}` and accepted with `:Tandem accept! {id}`. First,
-- a server that cannot start shows in the statusline.
-- Environment: as inline_diff.lua.
local env = vim.env
local H = dofile(vim.fs.dirname(debug.getinfo(1, "S").source:sub(2)) .. "/harness.lua")
local result = H.result({ "notifications", "selects" })

local check = H.checker(result)
local wait = H.waiter(30000)
local function main()
  vim.opt.rtp:prepend(env.TANDEM_NVIM_PLUGIN)
  vim.cmd("runtime plugin/tandem.lua")
  -- Pick the first task offered.
  H.capture(result)
  local states, ids = {}, {}
  vim.api.nvim_create_autocmd("User", {
    pattern = "TandemTaskChanged",
    callback = function(ev)
      table.insert(states, ev.data.state)
      if not vim.tbl_contains(ids, ev.data.id) then
        table.insert(ids, ev.data.id)
      end
    end,
  })

  -- A server that cannot start says so in the statusline.
  local tandem = require("tandem")
  tandem.setup({ cmd = { "/nonexistent/tandem", "lsp" } })
  vim.cmd.edit(vim.fn.fnameescape(env.TANDEM_FILE))
  local buf = vim.api.nvim_get_current_buf()
  check("the statusline says the server failed to start",
    tandem.status() == "Tandem: failed to start (/nonexistent/tandem is not an executable)", tandem.status())

  tandem.setup({
    cmd = { env.TANDEM_BIN, "lsp" },
    settings = vim.json.decode(env.TANDEM_SETTINGS),
  })
  local inline = require("tandem.inline")
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
  check("picking it said it opened", vim.iter(result.notifications):any(function(n)
    return n:find("opened for review (2 hunks)", 1, true) ~= nil
  end), result.notifications)
  local hunk = inline.hunks(buf)[1]
  check("its hunks are the task's", hunk and hunk.group:match("^task:") ~= nil, hunk)
  check("the cursor is on its first hunk", vim.api.nvim_win_get_cursor(0)[1] == hunk.start + 1)

  -- :Tandem task apply (the task opened last): every hunk into the buffer.
  vim.cmd("Tandem task apply")
  wait("the task applied", function()
    return vim.tbl_contains(states, "applied")
  end)
  wait("its hunks gone", function()
    return #inline.hunks(buf) == 0
  end)
  check("the buffer holds the task's text", vim.api.nvim_buf_get_lines(buf, 0, -1, false)[2] == '    return f"Hello, {name}!"',
    vim.api.nvim_buf_get_lines(buf, 0, -1, false))

  -- A second task, opened by id, accepted with :Tandem accept! {id}.
  vim.cmd("Tandem task add a name")
  wait("the second task", function()
    return #ids == 2 and states[#states] == "done"
  end)
  local id = ids[2]
  vim.cmd("Tandem task show " .. id)
  wait("names.py opened on the task's hunk", function()
    local b = vim.api.nvim_get_current_buf()
    return vim.api.nvim_buf_get_name(b):match("src/names%.py$") ~= nil and #inline.hunks(b) == 1
  end)
  local names = vim.api.nvim_get_current_buf()
  check("the hunk is the second task's", inline.hunks(names)[1].group == "task:" .. id, inline.hunks(names)[1])
  vim.cmd("Tandem accept! " .. id)
  wait("the task's proposal accepted", function()
    return vim.api.nvim_buf_get_lines(names, 0, 1, false)[1] == 'NAMES = ["Ada", "Grace", "Linus", "Margaret"]'
  end)
  wait("and applied", function()
    return states[#states] == "applied"
  end)
  check("the first buffer kept its text", vim.api.nvim_buf_get_lines(buf, 0, -1, false)[2] == '    return f"Hello, {name}!"')
  -- The second task as a git branch; the first discarded; a follow-up.
  vim.cmd("Tandem task branch " .. id)
  local branch = "tandem/" .. id:sub(-8)
  wait("the branch made", function()
    return vim.iter(result.notifications):any(function(n)
      return n:find("is on branch " .. branch, 1, true) ~= nil
    end)
  end)
  local log = vim.fn.system({ "git", "-C", vim.fn.fnamemodify(env.TANDEM_FILE, ":h:h"), "show", "--stat", "--format=%s", branch })
  check("the branch holds the task's change", log:find("src/names.py", 1, true) ~= nil, log)
  vim.cmd("Tandem task discard " .. ids[1])
  wait("the first task discarded", function()
    return vim.tbl_contains(states, "discarded")
  end)
  vim.cmd("Tandem task followup " .. ids[2] .. " and one more")
  wait("the follow-up done", function()
    return states[#states] == "done" and vim.iter(result.notifications):any(function(n)
      return n:find("goes on in the background", 1, true) ~= nil
    end)
  end)

  vim.cmd("Tandem accept! ffff0000")
  wait("an unknown task said so", function()
    return vim.iter(result.notifications):any(function(n)
      return n:find("no task ffff0000 is open for review", 1, true) ~= nil
    end)
  end, 5000)
end

H.run(result, main)
