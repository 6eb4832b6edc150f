-- `:Tandem review`: every pending hunk of every proposal in the quickfix
-- list (`tandem/review`), grouped by proposal: a title line per proposal
-- ("runs in this editor", "task 3f2a1b9c: <prompt>"), then its hunks as
-- `path:line: summary`. In the list, `a` / `r` accept / reject the hunk
-- under the cursor, `A` / `R` its file (on a title line: the whole
-- proposal); `:Tandem accept` and friends work there too. The list is
-- redrawn after each answer and whenever the server republishes.
local client = require("tandem.client")

local M = {}

M.title = "Tandem review"
-- The quickfix list we made (its id), while it lives.
M.qf_id = nil
-- Pending hunks of the last answer, for the statusline.
M.count = nil
M.last = nil

local function short(id)
  return tostring(id):sub(-8)
end

--- `tandem/review`; `cb(result or nil)`.
function M.fetch(buf, cb)
  local sent = client.request(buf or 0, "tandem/review", vim.empty_dict(), function(err, result)
    if err or type(result) ~= "table" then
      return cb(nil)
    end
    M.last = result
    local n = 0
    for _, g in ipairs(result.groups or {}) do
      n = n + (tonumber(g.hunks) or 0)
    end
    M.count = n
    cb(result)
  end)
  if not sent then
    cb(nil)
  end
end

--- The title line of a proposal.
function M.group_title(g)
  local n = tonumber(g.hunks) or 0
  local count = (" (%d hunk%s)"):format(n, n == 1 and "" or "s")
  if g.kind == "task" then
    local id = type(g.id) == "string" and g.id:gsub("^task:", "") or "?"
    return ("task %s: %s%s"):format(short(id), g.title or "", count)
  end
  return "runs in this editor" .. count
end

--- A hunk's summary under its proposal's title: without the task's name
--- and "Tandem proposes" the title says.
function M.summary(text)
  text = tostring(text or ""):gsub("^%[task [^%]]*%] ", "")
  local rest = text:match("^Tandem proposes: (.*)$")
  return rest or text
end

--- Quickfix items of a `tandem/review` answer.
function M.items(result)
  local items = {}
  for _, g in ipairs((result and result.groups) or {}) do
    if (tonumber(g.hunks) or 0) > 0 then
      items[#items + 1] = {
        text = M.group_title(g),
        valid = 0,
        user_data = { tandem = true, group = g.id, title = true },
      }
      for _, f in ipairs(g.files or {}) do
        local ok, fname = pcall(vim.uri_to_fname, f.uri)
        for _, h in ipairs(f.hunks or {}) do
          items[#items + 1] = {
            filename = ok and fname or f.path,
            lnum = (tonumber(h.start) or 0) + 1,
            col = 1,
            text = M.summary(h.summary),
            type = h.state == "conflicted" and "W" or "I",
            user_data = { tandem = true, uri = f.uri, hunk = h.id, group = g.id, path = f.path },
          }
        end
      end
    end
  end
  local waiting = (result and result.waiting) or {}
  if #waiting > 0 then
    items[#items + 1] = {
      text = ("%d finished task%s not opened (:Tandem tasks):"):format(#waiting, #waiting == 1 and "" or "s"),
      valid = 0,
      user_data = { tandem = true, title = true },
    }
    for _, t in ipairs(waiting) do
      items[#items + 1] = {
        text = ("  task %s: %s"):format(short(t.id), (t.prompt or ""):gsub("%s+", " ")),
        valid = 0,
        user_data = { tandem = true, title = true, task = t.id },
      }
    end
  end
  return items
end

-- `path:line: summary`, title lines as they are.
function M.qftext(info)
  local list = vim.fn.getqflist({ id = info.id, items = 1 })
  local out = {}
  for i = info.start_idx, info.end_idx do
    local item = list.items[i]
    local data = item and item.user_data
    if type(data) == "table" and data.title then
      out[#out + 1] = item.text
    elseif type(data) == "table" and data.path then
      out[#out + 1] = ("  %s:%d: %s"):format(data.path, item.lnum, item.text)
    else
      out[#out + 1] = item and item.text or ""
    end
  end
  return out
end

local function ours()
  if not M.qf_id then
    return false
  end
  local info = vim.fn.getqflist({ id = M.qf_id, title = 0 })
  return info.id == M.qf_id and info.title == M.title
end

-- Title lines, paths, line numbers and task names told apart (the list's
-- lines are not the `file|line| text` the quickfix syntax knows).
local function highlight(qbuf)
  vim.api.nvim_buf_call(qbuf, function()
    vim.cmd([[
      syntax clear
      syntax match TandemReviewTitle /^\S.*$/
      syntax match TandemReviewPath /^  \zs[^:]\+\ze:\d\+:/ nextgroup=TandemReviewLine
      syntax match TandemReviewLine /:\zs\d\+\ze:/ contained
      syntax match TandemReviewConflict /overlaps your edit.*$/
    ]])
  end)
  vim.api.nvim_set_hl(0, "TandemReviewTitle", { link = "Title", default = true })
  vim.api.nvim_set_hl(0, "TandemReviewPath", { link = "Directory", default = true })
  vim.api.nvim_set_hl(0, "TandemReviewLine", { link = "LineNr", default = true })
  vim.api.nvim_set_hl(0, "TandemReviewConflict", { link = "WarningMsg", default = true })
end

local function map_list(qbuf)
  highlight(qbuf)
  if vim.b[qbuf].tandem_review then
    return
  end
  vim.b[qbuf].tandem_review = true
  local answer = function(verb, file)
    return function()
      local entry = M.entry_under_cursor()
      if entry and entry.title and file and entry.group then
        require("tandem.answer").send(0, "tandem." .. verb .. "All", { group = entry.group }, verb .. " all")
        return
      end
      require("tandem.answer").answer(verb, { file = file })
    end
  end
  local maps = {
    a = { answer("accept", false), "Tandem: accept the hunk under the cursor" },
    r = { answer("reject", false), "Tandem: reject the hunk under the cursor" },
    A = { answer("accept", true), "Tandem: accept its file (on a title: the proposal)" },
    R = { answer("reject", true), "Tandem: reject its file (on a title: the proposal)" },
  }
  for lhs, m in pairs(maps) do
    vim.keymap.set("n", lhs, m[1], { buffer = qbuf, desc = m[2], nowait = true })
  end
end

--- The review-list entry under the cursor: nil when not in our list,
--- false on a line that is no entry, else { uri, hunk, group, title }.
function M.entry_under_cursor()
  if vim.bo.buftype ~= "quickfix" or not ours() then
    return nil
  end
  local wininfo = vim.fn.getwininfo(vim.api.nvim_get_current_win())[1]
  if wininfo and wininfo.loclist == 1 then
    return nil
  end
  local idx = vim.api.nvim_win_get_cursor(0)[1]
  local item = vim.fn.getqflist({ id = M.qf_id, items = 1 }).items[idx]
  local data = item and item.user_data
  if type(data) ~= "table" or not data.tandem then
    return false
  end
  return data
end

local function set(result, action)
  local what = {
    title = M.title,
    items = M.items(result),
    quickfixtextfunc = M.qftext,
  }
  if action == "r" and ours() then
    what.id = M.qf_id
    vim.fn.setqflist({}, "r", what)
  else
    vim.fn.setqflist({}, " ", what)
    M.qf_id = vim.fn.getqflist({ id = 0 }).id
  end
  return #what.items
end

--- Fill the quickfix list and open it.
function M.open()
  M.fetch(0, function(result)
    if not result then
      vim.notify("Tandem: the review list needs a running Tandem server", vim.log.levels.WARN)
      return
    end
    local n = set(result, " ")
    if M.count == 0 then
      vim.notify("Tandem: nothing to review")
    end
    if n > 0 then
      vim.cmd("botright copen")
      map_list(vim.api.nvim_get_current_buf())
      -- On the first hunk, not its title.
      if n > 1 then
        vim.api.nvim_win_set_cursor(0, { 2, 0 })
      end
    end
    vim.api.nvim_exec_autocmds("User", { pattern = "TandemReview", modeline = false })
  end)
end

local pending = false

--- Redraw our list (if it is still there) and the statusline count.
function M.refresh()
  if pending then
    return
  end
  pending = true
  vim.defer_fn(function()
    pending = false
    if not client.get(0) then
      return
    end
    M.fetch(0, function(result)
      if result and ours() then
        local win = vim.fn.getqflist({ id = M.qf_id, winid = 0 }).winid
        local cursor = win ~= 0 and vim.api.nvim_win_get_cursor(win)
        set(result, "r")
        if win ~= 0 and vim.api.nvim_win_is_valid(win) then
          local count = vim.api.nvim_buf_line_count(vim.api.nvim_win_get_buf(win))
          vim.api.nvim_win_set_cursor(win, { math.min(cursor[1], count), 0 })
        end
      end
      vim.cmd("redrawstatus")
      vim.api.nvim_exec_autocmds("User", { pattern = "TandemReview", modeline = false })
    end)
  end, 30)
end

--- The first hunk of proposal `group`: { uri, start } or nil.
function M.first_hunk(result, group)
  for _, g in ipairs((result and result.groups) or {}) do
    if g.id == group then
      for _, f in ipairs(g.files or {}) do
        local h = (f.hunks or {})[1]
        if h then
          return { uri = f.uri, start = h.start, path = f.path }
        end
      end
    end
  end
  return nil
end

return M
