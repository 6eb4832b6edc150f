-- End-to-end test of the Neovim client, run by tests/tests/editor_nvim.rs:
--   nvim --headless -u NONE -i NONE -n -c "luafile editors/nvim/test/inline_diff.lua"
-- Environment: TANDEM_NVIM_PLUGIN (editors/nvim), TANDEM_BIN, TANDEM_SETTINGS
-- (JSON), TANDEM_FILE (the file to open), TANDEM_RESULT (where the JSON
-- result goes). The scripted model runs a shell command (approved here with
-- `:Tandem approve`, through a stubbed vim.ui.select), then rewrites two
-- lines of the file.
local env = vim.env
local H = dofile(vim.fs.dirname(debug.getinfo(1, "S").source:sub(2)) .. "/harness.lua")
local result = H.result({ "notifications", "selects", "statuses", "own_statuses" })

local check = H.checker(result)
local wait = H.waiter(20000)
local lines = H.lines

local ORIGINAL = {
  "def greet(name):",
  '    return "Hello, " + name',
  "",
  "",
  "def farewell(name):",
  '    return "Bye " + name',
}
local NEW_GREET = '    return f"Hello, {name}!"'
local NEW_FAREWELL = { '    """Say goodbye."""', '    return f"Goodbye, {name}."' }

local function main()
  vim.opt.rtp:prepend(env.TANDEM_NVIM_PLUGIN)
  vim.cmd("runtime plugin/tandem.lua")
  vim.o.columns, vim.o.lines = 100, 30

  -- Record what the user would see and pick; answer approvals "Allow once".
  H.capture(result, function(titles)
    for i, title in ipairs(titles) do
      if title == "Allow once" then
        return i
      end
    end
  end)
  vim.api.nvim_create_autocmd("LspProgress", {
    callback = function()
      table.insert(result.statuses, vim.lsp.status())
      table.insert(result.own_statuses, require("tandem").status())
    end,
  })

  local tandem = require("tandem")
  tandem.setup({
    cmd = { env.TANDEM_BIN, "lsp" },
    settings = vim.json.decode(env.TANDEM_SETTINGS),
  })
  local inline = require("tandem.inline")
  local events = require("tandem.events")
  -- Only `:Tandem approve` answers an approval: this user runs it as soon
  -- as one is shown, and picks from the list.
  vim.api.nvim_create_autocmd("User", {
    pattern = "TandemApproval",
    callback = function()
      vim.schedule(function()
        vim.cmd("Tandem approve")
      end)
    end,
  })

  vim.cmd.edit(vim.fn.fnameescape(env.TANDEM_FILE))
  local buf = vim.api.nvim_get_current_buf()
  wait("the server to attach", function()
    return #vim.lsp.get_clients({ name = "tandem", bufnr = buf }) > 0
  end)
  check("the buffer starts as the file", vim.deep_equal(lines(buf), ORIGINAL), lines(buf))

  -- Selection-aware ask: lines 1-2.
  vim.cmd("1,2Tandem ask make the greetings friendlier")
  wait("the run to finish", function()
    for _, run in pairs(events.runs) do
      if run.state ~= "running" then
        return true
      end
    end
    return false
  end, 30000)
  local _, run = next(events.runs)
  check("the run is done", run.state == "done", run)
  wait("two hunks drawn", function()
    return #inline.hunks(buf) == 2
  end)

  -- The approval went through `:Tandem approve` and vim.ui.select.
  local approval = result.selects[1]
  check("one vim.ui.select for the approval", #result.selects == 1, result.selects)
  if approval then
    check("the approval names the command", approval.prompt:find("printf 'ran%s' -ok", 1, true) ~= nil, approval)
    check(
      "the approval offers the four answers",
      vim.deep_equal(approval.items, { "Allow once", "Always allow", "Always allow in this project", "Deny" }),
      approval.items
    )
    check("the approval is of kind tandem_approval", approval.kind == "tandem_approval", approval.kind)
  end
  local saw_progress = false
  for _, s in ipairs(result.statuses) do
    saw_progress = saw_progress or s:find("Tandem", 1, true) ~= nil
  end
  check("vim.lsp.status() showed Tandem's progress", saw_progress, result.statuses)
  local saw_own = false
  for _, s in ipairs(result.own_statuses) do
    saw_own = saw_own or s:find("Tandem: thinking", 1, true) ~= nil
  end
  check("require('tandem').status() showed it", saw_own, result.own_statuses)
  check("and counts the hunks once the run ended", tandem.status() == "Tandem: 2 to review", tandem.status())

  -- The inline diff: removed lines highlighted, added lines as virtual lines,
  -- the buffer untouched.
  local function drawn()
    local marks = vim.api.nvim_buf_get_extmarks(buf, inline.ns, 0, -1, { details = true })
    local removed, added = {}, {}
    for _, m in ipairs(marks) do
      local row, d = m[2], m[4]
      if d.line_hl_group == "TandemDelete" then
        table.insert(removed, row)
      end
      if d.virt_lines then
        local texts = {}
        for _, vl in ipairs(d.virt_lines) do
          local t = ""
          for _, chunk in ipairs(vl) do
            t = t .. chunk[1]
            check("virtual lines use TandemAdd", chunk[2] == "TandemAdd", chunk)
          end
          table.insert(texts, (t:gsub("%s+$", "")))
        end
        table.insert(added, { row = row, above = d.virt_lines_above or false, lines = texts })
      end
    end
    table.sort(removed)
    table.sort(added, function(a, b)
      return a.row < b.row
    end)
    return removed, added
  end
  local removed, added = drawn()
  check("removed lines highlighted", vim.deep_equal(removed, { 1, 5 }), removed)
  check("added lines shown as virtual lines below them", vim.deep_equal(added, {
    { row = 1, above = false, lines = { NEW_GREET } },
    { row = 5, above = false, lines = NEW_FAREWELL },
  }), added)
  check("the buffer is untouched while proposed", vim.deep_equal(lines(buf), ORIGINAL), lines(buf))
  check("the buffer is not modified", not vim.bo[buf].modified)

  -- The user types above the hunks: they are redrawn where the lines went;
  -- undo brings them back.
  vim.api.nvim_buf_set_lines(buf, 0, 0, false, { "# a note" })
  local drawn_at = function(rows)
    return function()
      local r, a = drawn()
      return vim.deep_equal(r, rows) and #a == 2 and a[1].row == rows[1] and a[2].row == rows[2]
    end
  end
  local starts = function()
    local out = {}
    for _, h in ipairs(inline.hunks(buf)) do
      table.insert(out, h.start)
    end
    return out
  end
  -- The marks move with the text at once; the server's answer follows.
  check("the marks moved with the text", drawn_at({ 2, 6 })())
  wait("the server's hunks a line lower", function()
    return vim.deep_equal(starts(), { 2, 6 })
  end, 5000)
  check("and drawn there", drawn_at({ 2, 6 })())
  vim.cmd("silent undo")
  wait("the hunks back in place", function()
    return vim.deep_equal(starts(), { 1, 5 }) and drawn_at({ 1, 5 })()
  end, 5000)
  check("undo restored the text", vim.deep_equal(lines(buf), ORIGINAL), lines(buf))

  -- Buffer-local maps while there are hunks: jump between them.
  check("]h is mapped in the buffer", vim.fn.maparg("]h", "n", false, true).buffer == 1)
  vim.api.nvim_win_set_cursor(0, { 1, 0 })
  vim.api.nvim_feedkeys("]h", "x", false)
  check("]h goes to the first hunk", vim.api.nvim_win_get_cursor(0)[1] == 2, vim.api.nvim_win_get_cursor(0))
  vim.api.nvim_feedkeys("]h", "x", false)
  check("]h goes to the second hunk", vim.api.nvim_win_get_cursor(0)[1] == 6, vim.api.nvim_win_get_cursor(0))
  vim.api.nvim_feedkeys("[h", "x", false)
  check("[h goes back", vim.api.nvim_win_get_cursor(0)[1] == 2, vim.api.nvim_win_get_cursor(0))

  -- :Tandem diff: a diffsplit against a scratch buffer with the proposal.
  vim.cmd("Tandem diff")
  local diff = require("tandem.diff")
  wait("the diff split", function()
    return diff.scratch_of(buf) ~= nil
  end)
  local scratch = diff.scratch_of(buf)
  local proposed = vim.deepcopy(ORIGINAL)
  proposed[2] = NEW_GREET
  table.remove(proposed, 6)
  vim.list_extend(proposed, NEW_FAREWELL)
  check("the scratch buffer holds the proposed text", vim.deep_equal(lines(scratch), proposed), lines(scratch))
  local scratch_win = vim.fn.bufwinid(scratch)
  check("both windows are in diff mode", vim.wo[scratch_win].diff and vim.wo[vim.fn.bufwinid(buf)].diff)
  check("the scratch buffer is not a file", vim.bo[scratch].buftype == "nofile")
  vim.cmd("bwipeout " .. scratch)
  check("closing the diff turns diff mode off", not vim.wo[vim.fn.bufwinid(buf)].diff)
  vim.api.nvim_set_current_win(vim.fn.bufwinid(buf))

  -- Accept the hunk under the cursor: exactly its line changes.
  vim.api.nvim_win_set_cursor(0, { 2, 4 })
  vim.cmd("Tandem accept")
  wait("the accepted line in the buffer", function()
    return lines(buf)[2] == NEW_GREET
  end)
  local after = vim.deepcopy(ORIGINAL)
  after[2] = NEW_GREET
  check("accepting changed exactly the hunk's line", vim.deep_equal(lines(buf), after), lines(buf))
  wait("one hunk left", function()
    return #inline.hunks(buf) == 1
  end)
  removed, added = drawn()
  check("the other hunk is still drawn", vim.deep_equal(removed, { 5 }) and #added == 1 and added[1].row == 5, {
    removed = removed,
    added = added,
  })

  -- Reject the other one: its marks go, the buffer keeps its text.
  vim.api.nvim_win_set_cursor(0, { 6, 0 })
  vim.cmd("Tandem reject")
  wait("the marks to go", function()
    return #vim.api.nvim_buf_get_extmarks(buf, inline.ns, 0, -1, {}) == 0
  end)
  check("rejecting left the buffer's text", vim.deep_equal(lines(buf), after), lines(buf))
  check("no hunks are left", #inline.hunks(buf) == 0)
  check("the maps are gone with the hunks", vim.fn.maparg("]h", "n", false, true).buffer == nil)

  -- Other servers' diagnostics are forwarded to Tandem.
  local tclient = require("tandem.client")
  local sent = {}
  local notify_server = tclient.notify
  tclient.notify = function(c, method, params)
    table.insert(sent, { method = method, params = params })
    return notify_server(c, method, params)
  end
  local other = vim.api.nvim_create_namespace("some_linter")
  vim.diagnostic.set(other, buf, {
    { lnum = 1, col = 11, end_lnum = 1, end_col = 15, message = "use an f-string", source = "lint",
      severity = vim.diagnostic.severity.WARN },
  })
  wait("the diagnostics forwarded", function()
    return #sent > 0
  end, 3000)
  local fwd = sent[1]
  check("forwarded as tandem/diagnostics", fwd.method == "tandem/diagnostics", fwd)
  check("with the buffer's uri", fwd.params.uri == vim.uri_from_bufnr(buf), fwd.params.uri)
  local d = fwd.params.diagnostics[1] or {}
  check("as an LSP diagnostic", #fwd.params.diagnostics == 1 and d.message == "use an f-string" and d.severity == 2
    and d.range.start.line == 1 and d.range.start.character == 11 and d.range["end"].character == 15, fwd.params)
  vim.wait(300)
  tclient.notify = notify_server
  check("the server is still attached", #vim.lsp.get_clients({ name = "tandem", bufnr = buf }) == 1)

  -- :help tandem works (tags made from a copy, not in the source tree).
  local docs = vim.fn.tempname()
  vim.fn.mkdir(docs .. "/doc", "p")
  vim.fn.writefile(vim.fn.readfile(env.TANDEM_NVIM_PLUGIN .. "/doc/tandem.txt"), docs .. "/doc/tandem.txt")
  vim.cmd("helptags " .. vim.fn.fnameescape(docs .. "/doc"))
  vim.opt.rtp:append(docs)
  for _, tag in ipairs({ "tandem", ":Tandem-accept", "tandem-inline", "hl-TandemAdd" }) do
    local ok_help, err_help = pcall(vim.cmd.help, tag)
    check(":help " .. tag, ok_help and vim.bo.buftype == "help" and vim.api.nvim_buf_get_name(0):match("tandem%.txt$") ~= nil, err_help)
    if ok_help then
      vim.cmd("helpclose")
    end
  end
  vim.api.nvim_set_current_win(vim.fn.bufwinid(buf))

  -- Cancel and steer with no run going on: answered, and said so.
  vim.cmd("Tandem cancel")
  wait("the cancel answer", function()
    return vim.tbl_contains(result.notifications, "Tandem: no run is going on")
  end, 5000)
  vim.cmd("Tandem steer look at the farewell too")
  wait("the steer answer", function()
    return vim.fn.execute("messages"):find("no run is going on to steer", 1, true) ~= nil
  end, 5000)

  -- Placement of insertions and conflicts, drawn from a made-up answer in a
  -- scratch buffer: an insertion hangs above the line it goes before, one
  -- at the end below the last line; a conflict is marked as such.
  local scratch_buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_lines(scratch_buf, 0, -1, false, { "a", "b", "c" })
  inline.render(scratch_buf, {
    hunks = {
      { id = "i1", state = "pending", start = 1, len = 0, newLines = { "inserted" } },
      { id = "c1", state = "conflicted", start = 2, len = 1, newLines = { "theirs" } },
      { id = "e1", state = "pending", start = 3, len = 0, newLines = { "appended" } },
    },
  })
  local placed = {}
  for _, m in ipairs(vim.api.nvim_buf_get_extmarks(scratch_buf, inline.ns, 0, -1, { details = true })) do
    local d = m[4]
    if d.virt_lines then
      table.insert(placed, {
        row = m[2],
        above = d.virt_lines_above or false,
        text = (d.virt_lines[1][1][1]:gsub("%s+$", "")),
        hl = d.virt_lines[1][1][2],
      })
    elseif d.line_hl_group then
      table.insert(placed, { row = m[2], line_hl = d.line_hl_group, sign = vim.trim(d.sign_text or "") })
    end
  end
  table.sort(placed, function(a, b)
    return a.row < b.row or (a.row == b.row and (a.text or "") < (b.text or ""))
  end)
  check("insertions above, appends below, conflicts marked", vim.deep_equal(placed, {
    { row = 1, above = true, text = "inserted", hl = "TandemAdd" },
    { row = 2, line_hl = "TandemConflict", sign = "!" },
    { row = 2, above = false, text = "appended", hl = "TandemAdd" },
    { row = 2, above = false, text = "theirs", hl = "TandemConflict" },
  }), placed)
  check("the insertion is the hunk on its line", (inline.hunk_at(scratch_buf, 1) or {}).id == "i1")
  check("the conflict is the hunk on its line", (inline.hunk_at(scratch_buf, 2) or {}).id == "c1")
  vim.api.nvim_buf_delete(scratch_buf, { force = true })

  -- The server never writes files: the accepted change is in the buffer only.
  local disk = vim.fn.readfile(env.TANDEM_FILE)
  check("the file on disk is untouched", vim.deep_equal(disk, ORIGINAL), disk)
  check("the buffer is modified (not saved)", vim.bo[buf].modified)

  local messages = vim.fn.execute("messages")
  check("no errors were shown", not messages:find("bad settings", 1, true)
    and not messages:find(" failed: ", 1, true) and not messages:find("E%d+:"), messages)
end

H.run(result, main)
