-- Review you can see, run by tests/tests/editor_nvim.rs against the real
-- server: a run with a plan and a command (the run log), proposing three
-- files (an insertion and a replacement in src/greet.py, src/names.py, and
-- the new NOTES.md), answered where the hunks are drawn; the new file shown
-- and accepted onto disk; a background task opened as its own proposal;
-- `:Tandem review` listing both; `:Tandem accept!` taking the runs' alone;
-- a task hunk accepted from the review list.
-- Environment: as inline_diff.lua (TANDEM_FILE is src/greet.py).
local env = vim.env
local H = dofile(vim.fs.dirname(debug.getinfo(1, "S").source:sub(2)) .. "/harness.lua")
local result = H.result({ "notifications", "selects", "statuses" })

local check = H.checker(result)
local wait = H.waiter(20000)
local lines = H.lines

local function notified(pattern)
  for _, n in ipairs(result.notifications) do
    if n:find(pattern, 1, true) then
      return n
    end
  end
end

-- The virtual lines drawn in `buf`: { row, above, lines }.
local function virt(buf)
  local ns = require("tandem.inline").ns
  local out = {}
  for _, m in ipairs(vim.api.nvim_buf_get_extmarks(buf, ns, 0, -1, { details = true })) do
    local d = m[4]
    if d.virt_lines then
      local texts = {}
      for _, vl in ipairs(d.virt_lines) do
        local t = ""
        for _, chunk in ipairs(vl) do
          t = t .. chunk[1]
        end
        table.insert(texts, (t:gsub("%s+$", "")))
      end
      table.insert(out, { row = m[2], above = d.virt_lines_above or false, lines = texts })
    end
  end
  table.sort(out, function(a, b)
    return a.row < b.row
  end)
  return out
end

local function hints(buf)
  local ns = require("tandem.inline").ns
  local out = {}
  for _, m in ipairs(vim.api.nvim_buf_get_extmarks(buf, ns, 0, -1, { details = true })) do
    if m[4].virt_text then
      table.insert(out, vim.trim(m[4].virt_text[1][1]))
    end
  end
  return out
end

local function qf_texts()
  local info = vim.fn.getqflist({ items = 1, qfbufnr = 1 })
  return vim.api.nvim_buf_get_lines(info.qfbufnr, 0, -1, false), info.items
end

local function main()
  vim.opt.rtp:prepend(env.TANDEM_NVIM_PLUGIN)
  vim.cmd("runtime plugin/tandem.lua")
  vim.o.columns, vim.o.lines = 120, 40
  local root = vim.fn.fnamemodify(env.TANDEM_FILE, ":h:h")
  vim.cmd.cd(vim.fn.fnameescape(root))

  -- Tasks: pick the first one offered.
  H.capture(result)
  -- The command's approval: answered at once.
  vim.api.nvim_create_autocmd("User", {
    pattern = "TandemApproval",
    callback = function()
      vim.schedule(function()
        vim.cmd("Tandem approve once")
      end)
    end,
  })
  local finished = {}
  vim.api.nvim_create_autocmd("User", {
    pattern = "TandemRunFinished",
    callback = function(ev)
      table.insert(finished, ev.data)
    end,
  })
  local task_states, opened = {}, {}
  vim.api.nvim_create_autocmd("User", {
    pattern = "TandemTaskChanged",
    callback = function(ev)
      table.insert(task_states, ev.data.state)
    end,
  })
  vim.api.nvim_create_autocmd("User", {
    pattern = "TandemTaskOpened",
    callback = function(ev)
      table.insert(opened, ev.data)
    end,
  })

  local tandem = require("tandem")
  tandem.setup({
    cmd = { env.TANDEM_BIN, "lsp" },
    settings = vim.json.decode(env.TANDEM_SETTINGS),
  })
  local inline = require("tandem.inline")
  local review = require("tandem.review")
  local events = require("tandem.events")

  vim.cmd.edit("src/greet.py")
  local greet = vim.api.nvim_get_current_buf()
  table.insert(result.statuses, tandem.status())
  wait("the server to attach", function()
    return #vim.lsp.get_clients({ name = "tandem", bufnr = greet }) > 0
  end)
  wait("the statusline to say idle", function()
    return tandem.status() == "Tandem: idle"
  end, 5000)
  check("the statusline said starting first", result.statuses[1] == "Tandem: starting", result.statuses)

  -- The run: a plan, a command, three files.
  local log = events.open_log()
  vim.cmd("wincmd p")
  vim.cmd("Tandem ask make the greetings friendlier and write notes")
  local saw_running = false
  wait("the run to finish", function()
    local s = tandem.status()
    saw_running = saw_running or s:find("Tandem: ", 1, true) ~= nil and s ~= "Tandem: idle"
    return #finished > 0
  end, 30000)
  check("the statusline followed the run", saw_running)
  local fin = finished[1]
  check("the run's end says its message and what to review",
    fin.text:find("run 1 done: Three files changed.", 1, true) ~= nil and fin.text:find("4 hunks to review", 1, true) ~= nil,
    fin.text)
  check("and is notified", notified("4 hunks to review") ~= nil, result.notifications)
  check("the statusline counts the hunks to review", tandem.status() == "Tandem: 4 to review", tandem.status())

  -- The run log: the plan, the command with its output and exit code.
  local logged = table.concat(lines(log), "\n")
  result.log = lines(log)
  check("the log starts with the run", lines(log)[1] == "▶ run 1 started (anthropic test-model)", lines(log))
  for _, want in ipairs({
    "▶ run 1 started",
    "  plan:",
    "    [~] Write the notes",
    "    [ ] Make the greetings friendlier",
    "  $ printf 'one\\ntwo\\n'; exit 3",
    "    two",
    "    [exit code 3]",
    "  │ Three files changed.",
    "■ run 1 done, 4 hunks to review",
  }) do
    check("the run log shows " .. want, logged:find(want, 1, true) ~= nil, logged)
  end

  -- greet.py: an insertion above the first line, a replacement below.
  vim.api.nvim_set_current_win(vim.fn.bufwinid(greet))
  wait("greet.py's two hunks", function()
    return #inline.hunks(greet) == 2
  end)
  local drawn = virt(greet)
  check("the insertion is drawn above the line it goes before", vim.deep_equal(drawn[1],
    { row = 0, above = true, lines = { '"""Greetings."""', "", "" } }), drawn)
  check("the replacement below its line", vim.deep_equal(drawn[2],
    { row = 1, above = false, lines = { '    return f"Hello, {name}!"' } }), drawn)
  check("the hints say what each does", vim.deep_equal(hints(greet),
    { "Tandem: insert 3 lines", "Tandem: replace 1 line with 1" }), hints(greet))

  -- :Tandem diff shows the proposal once: the inline drawing steps aside.
  vim.api.nvim_win_set_cursor(0, { 2, 0 })
  vim.cmd("Tandem diff")
  local diff = require("tandem.diff")
  wait("the diff split", function()
    return diff.scratch_of(greet) ~= nil
  end)
  wait("no virtual lines beside the diff", function()
    return #virt(greet) == 0
  end, 5000)
  check("the diff has the proposed text", lines(diff.scratch_of(greet))[1] == '"""Greetings."""', lines(diff.scratch_of(greet)))
  vim.cmd("bwipeout " .. diff.scratch_of(greet))
  vim.api.nvim_set_current_win(vim.fn.bufwinid(greet))
  wait("the inline drawing back", function()
    return #virt(greet) == 2
  end, 5000)

  -- Accept the insertion where it is drawn, reject the replacement.
  vim.api.nvim_win_set_cursor(0, { 1, 0 })
  vim.cmd("Tandem accept")
  wait("the inserted lines", function()
    return lines(greet)[1] == '"""Greetings."""'
  end)
  wait("one hunk left in greet.py", function()
    return #inline.hunks(greet) == 1
  end)
  vim.api.nvim_win_set_cursor(0, { 5, 0 })
  vim.cmd("Tandem reject")
  wait("no hunk left in greet.py", function()
    return #inline.hunks(greet) == 0
  end)
  check("greet.py has the insertion and not the replacement", vim.deep_equal(lines(greet), {
    '"""Greetings."""', "", "", "def greet(name):", '    return "Hello, " + name', "", "", "def farewell(name):",
    '    return "Bye " + name',
  }), lines(greet))

  -- The new file: its content drawn in the empty buffer, accepted onto disk.
  vim.cmd.edit("NOTES.md")
  local notes = vim.api.nvim_get_current_buf()
  check("NOTES.md is not on disk yet", vim.fn.filereadable(root .. "/NOTES.md") == 0)
  wait("NOTES.md's hunk", function()
    return #inline.hunks(notes) == 1
  end)
  local h = inline.hunks(notes)[1]
  check("the new file's hunk is pending, not overlapping an edit", h.state == "pending" and h.kind == "added", h)
  check("its content is drawn as virtual lines", vim.deep_equal(virt(notes),
    { { row = 0, above = false, lines = { "# Notes", "", "Greetings are friendlier." } } }), virt(notes))
  check("its hint says new file", vim.deep_equal(hints(notes), { "Tandem: new file, 3 lines" }), hints(notes))
  vim.cmd("Tandem accept")
  wait("NOTES.md on disk with its content", function()
    return vim.fn.filereadable(root .. "/NOTES.md") == 1 and #vim.fn.readfile(root .. "/NOTES.md") == 3
  end)
  local f = assert(io.open(root .. "/NOTES.md", "rb"))
  local bytes = f:read("*a")
  f:close()
  check("NOTES.md's bytes", bytes == "# Notes\n\nGreetings are friendlier.\n", bytes)
  check("its buffer is saved", not vim.bo[notes].modified)
  wait("NOTES.md's hunk gone", function()
    return #inline.hunks(notes) == 0
  end)
  check("accepting said the file was created", notified("Tandem: created NOTES.md") ~= nil, result.notifications)

  -- A background task: its result opens as its own proposal.
  vim.cmd("Tandem task update the readme")
  wait("the task to finish", function()
    return vim.tbl_contains(task_states, "done")
  end, 30000)
  vim.cmd("Tandem tasks")
  wait("the task opened", function()
    return #opened > 0
  end)
  local task = opened[1]
  check("the task is its own group", task.group == "task:" .. task.id, task)
  check("opening it said so", notified(("task %s opened for review (1 hunk)"):format(task.id:sub(-8))) ~= nil,
    result.notifications)
  local readme = vim.api.nvim_get_current_buf()
  check("and jumped to its first hunk", vim.api.nvim_buf_get_name(readme) == root .. "/README.md",
    vim.api.nvim_buf_get_name(readme))
  wait("README.md's task hunk drawn", function()
    return #inline.hunks(readme) == 1
  end)
  local th = inline.hunks(readme)[1]
  check("the task's hunk carries its group", th.group == task.group, th)
  local hint = hints(readme)[1] or ""
  check("its hint names the task", hint:find("Tandem task " .. task.id:sub(-8), 1, true) == 1, hints(readme))
  local readme_before = lines(readme)

  -- :Tandem review lists both proposals.
  vim.cmd("Tandem review")
  wait("the review list", function()
    return vim.bo.buftype == "quickfix"
  end)
  local shown = qf_texts()
  result.review = shown
  local text = table.concat(shown, "\n")
  check("the runs' proposal is a title", text:find("runs in this editor (1 hunk)", 1, true) ~= nil, shown)
  check("its hunk as path:line: summary", text:find("  src/names.py:1: replace 1 line with 1: NAMES =", 1, true) ~= nil, shown)
  check("the task's proposal is a title", text:find(("task %s: update the readme (1 hunk)"):format(task.id:sub(-8)), 1, true) ~= nil, shown)
  check("with its hunk", text:find("  README.md:1: replace 1 line with 1: # greeter, friendlier", 1, true) ~= nil, shown)

  -- :Tandem accept! takes the runs' proposal only.
  vim.cmd("wincmd p")
  vim.cmd("Tandem accept!")
  wait("src/names.py accepted", function()
    local b = vim.fn.bufnr(root .. "/src/names.py")
    return b > 0 and vim.api.nvim_buf_is_loaded(b) and lines(b)[1] == 'NAMES = ["Ada", "Grace", "Linus", "Margaret"]'
  end)
  wait("the review list without the runs' proposal", function()
    local t = table.concat(qf_texts(), "\n")
    return not t:find("runs in this editor", 1, true)
  end)
  check("the task's file is untouched", vim.deep_equal(lines(readme), readme_before), lines(readme))
  check("the task's hunk is still listed", table.concat(qf_texts(), "\n"):find("README.md:1:", 1, true) ~= nil, qf_texts())
  check("and still drawn", #inline.hunks(readme) == 1)

  -- Accept the task's hunk from the review list (`a` on its entry).
  vim.cmd("copen")
  local _, items = qf_texts()
  local at
  for i, item in ipairs(items) do
    if type(item.user_data) == "table" and item.user_data.hunk then
      at = i
    end
  end
  check("the list has the task's entry", at ~= nil, items)
  vim.api.nvim_win_set_cursor(0, { at or 1, 0 })
  vim.api.nvim_feedkeys("a", "x", false)
  wait("README.md changed by the task's hunk", function()
    return lines(readme)[1] == "# greeter, friendlier"
  end)
  wait("the task applied once reviewed", function()
    return vim.tbl_contains(task_states, "applied")
  end)
  wait("an empty review list", function()
    return review.count == 0
  end)
  check("the statusline is idle again", tandem.status() == "Tandem: idle", tandem.status())

  -- :help matches the commands.
  local docs = vim.fn.tempname()
  vim.fn.mkdir(docs .. "/doc", "p")
  vim.fn.writefile(vim.fn.readfile(env.TANDEM_NVIM_PLUGIN .. "/doc/tandem.txt"), docs .. "/doc/tandem.txt")
  vim.cmd("helptags " .. vim.fn.fnameescape(docs .. "/doc"))
  vim.opt.rtp:append(docs)
  local subs = vim.tbl_keys(require("tandem.commands").subcommands)
  table.sort(subs)
  table.insert(subs, "accept!")
  table.insert(subs, "reject!")
  for _, sub in ipairs(subs) do
    local ok_help = pcall(vim.cmd.help, ":Tandem-" .. sub)
    check(":help :Tandem-" .. sub, ok_help and vim.bo.buftype == "help")
    if ok_help then
      vim.cmd("helpclose")
    end
  end

  local messages = vim.fn.execute("messages")
  check("no errors were shown", not messages:find(" failed: ", 1, true) and not messages:find("E%d+:"), messages)
end

H.run(result, main)
