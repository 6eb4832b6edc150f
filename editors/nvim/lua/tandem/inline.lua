-- The proposal drawn inline, without touching the buffer: the lines a hunk
-- removes are highlighted, the lines it brings are virtual lines below them
-- (extmarks). Redrawn whenever the server republishes the review.
local client = require("tandem.client")
local config = require("tandem.config")

local M = {}

M.ns = vim.api.nvim_create_namespace("tandem_inline")

-- Per buffer: { hunks = { {id, state, start, len, newLines, summary, mark} },
-- version, maps = bool }.
M.state = {}

local pending = {}

local function set_highlights()
  local link = function(name, to)
    vim.api.nvim_set_hl(0, name, { link = to, default = true })
  end
  link("TandemDelete", "DiffDelete")
  link("TandemAdd", "DiffAdd")
  link("TandemConflict", "DiffText")
  link("TandemDeleteSign", "DiffDelete")
  link("TandemAddSign", "DiffAdd")
  link("TandemHint", "Comment")
  link("TandemTaskHint", "Special")
end

M.set_highlights = set_highlights

local function plural(n, word)
  return ("%d %s%s"):format(n, word, n == 1 and "" or "s")
end

--- Who proposes a hunk: "Tandem", or "Tandem task 3f2a1b9c" for a task's.
local function origin(h)
  local id = type(h.group) == "string" and h.group:match("^task:(.+)$")
  return id and ("Tandem task " .. id:sub(-8)) or "Tandem"
end

M.origin = origin

--- A short line saying what a hunk does.
local function describe(h)
  local who = origin(h)
  if h.state == "conflicted" then
    return who .. ": overlaps your edit, re-run or reject it"
  end
  local old, new = h.len, #(h.newLines or {})
  if h.kind == "added" then
    return ("%s: new file, %s"):format(who, plural(new, "line"))
  elseif h.kind == "deleted" then
    return who .. ": delete this file"
  elseif old == 0 then
    return who .. ": insert " .. plural(new, "line")
  elseif new == 0 then
    return who .. ": delete " .. plural(old, "line")
  end
  return ("%s: replace %s with %d"):format(who, plural(old, "line"), new)
end

local function expand_tabs(text, ts)
  if not text:find("\t", 1, true) then
    return text
  end
  local out, col = {}, 0
  for ch in text:gmatch(".") do
    if ch == "\t" then
      local n = ts - (col % ts)
      out[#out + 1] = string.rep(" ", n)
      col = col + n
    else
      out[#out + 1] = ch
      col = col + 1
    end
  end
  return table.concat(out)
end

-- The text width of the widest window showing `buf`, for full-width lines.
local function text_width(buf)
  local width = 0
  for _, win in ipairs(vim.fn.win_findbuf(buf)) do
    local info = vim.fn.getwininfo(win)[1]
    if info then
      width = math.max(width, info.width - info.textoff)
    end
  end
  return width
end

function M.clear(buf)
  if vim.api.nvim_buf_is_valid(buf) then
    vim.api.nvim_buf_clear_namespace(buf, M.ns, 0, -1)
  end
end

local function set_maps(buf, on)
  local st = M.state[buf]
  if not st or st.maps == on then
    return
  end
  st.maps = on
  local keys = config.options.keymaps
  if type(keys) ~= "table" then
    keys = {}
  end
  local inline = M
  local actions = {
    accept = function()
      require("tandem").accept()
    end,
    reject = function()
      require("tandem").reject()
    end,
    next = function()
      inline.jump(buf, 1)
    end,
    prev = function()
      inline.jump(buf, -1)
    end,
    diff = function()
      require("tandem.diff").open(buf)
    end,
    accept_file = function()
      require("tandem").accept({ file = true })
    end,
    review = function()
      require("tandem.review").open()
    end,
  }
  local descs = {
    accept = "Tandem: accept the hunk under the cursor",
    reject = "Tandem: reject the hunk under the cursor",
    next = "Tandem: next hunk",
    prev = "Tandem: previous hunk",
    diff = "Tandem: diff against the proposal",
    accept_file = "Tandem: accept this file's hunks",
    review = "Tandem: the review list",
  }
  for name, fn in pairs(actions) do
    local lhs = keys[name]
    if lhs then
      if on then
        vim.keymap.set("n", lhs, fn, { buffer = buf, desc = descs[name], nowait = true })
      else
        pcall(vim.keymap.del, "n", lhs, { buffer = buf })
      end
    end
  end
end

-- Virtual lines above the first line only show when the window is
-- scrolled to them ('topfill'): scroll each window at the top of `buf` so
-- an insertion at the start of the file is seen.
local function reveal_top(buf)
  local above = 0
  for _, m in ipairs(vim.api.nvim_buf_get_extmarks(buf, M.ns, { 0, 0 }, { 0, -1 }, { details = true })) do
    local d = m[4]
    if d.virt_lines and d.virt_lines_above then
      above = above + #d.virt_lines
    end
  end
  if above == 0 then
    return
  end
  for _, win in ipairs(vim.fn.win_findbuf(buf)) do
    vim.api.nvim_win_call(win, function()
      local view = vim.fn.winsaveview()
      if view.topline == 1 and (view.topfill or 0) < above then
        view.topfill = above
        vim.fn.winrestview(view)
      end
    end)
  end
end

--- Draw `result` (a `tandem/hunks` answer) in `buf`.
function M.render(buf, result)
  if not vim.api.nvim_buf_is_valid(buf) then
    return
  end
  M.clear(buf)
  local hunks = (result and result.hunks) or {}
  local st = M.state[buf] or {}
  M.state[buf] = st
  st.hunks, st.version = {}, result and result.version
  -- With `inline` off only the anchors are set: the hunk under the cursor
  -- and the jumps still work.
  -- While `:Tandem diff` shows the proposal beside the buffer, diff mode
  -- draws the changes: drawing them inline too would show each twice.
  local draw = config.options.inline and not require("tandem.diff").scratch_of(buf)
  local line_count = vim.api.nvim_buf_line_count(buf)
  local only_empty = line_count == 1 and vim.api.nvim_buf_get_lines(buf, 0, 1, false)[1] == ""
  local ts = vim.bo[buf].tabstop
  local width = text_width(buf)
  for _, h in ipairs(hunks) do
    local start = math.min(h.start, line_count)
    local len = math.max(0, math.min(h.len, line_count - start))
    local conflicted = h.state == "conflicted"
    local del_hl = conflicted and "TandemConflict" or "TandemDelete"
    local add_hl = conflicted and "TandemConflict" or "TandemAdd"
    -- Removed (or, when conflicted, contested) lines.
    for row = start, draw and (start + len - 1) or -1 do
      vim.api.nvim_buf_set_extmark(buf, M.ns, row, 0, {
        line_hl_group = del_hl,
        sign_text = conflicted and "!" or "-",
        sign_hl_group = conflicted and "TandemConflict" or "TandemDeleteSign",
        priority = 200,
      })
    end
    -- Added lines, below the removed ones (above the line an insertion
    -- goes before).
    local virt = {}
    for _, text in ipairs(h.newLines or {}) do
      text = expand_tabs(text, ts)
      local pad = math.max(0, width - vim.fn.strdisplaywidth(text))
      virt[#virt + 1] = { { text .. string.rep(" ", pad), add_hl } }
    end
    local row, above
    if len > 0 then
      row, above = start + len - 1, false
    elseif start >= line_count or only_empty then
      row, above = line_count - 1, false
    else
      row, above = start, true
    end
    -- The anchor covers the hunk's lines so it moves with the user's edits,
    -- and carries the hint.
    local anchor = { priority = 200 }
    if len > 0 then
      anchor.end_row, anchor.end_col = start + len, 0
    end
    if draw and config.options.hints then
      local task = h.group ~= nil and h.group ~= "run"
      anchor.virt_text = { { "  " .. describe(h), task and "TandemTaskHint" or "TandemHint" } }
      anchor.virt_text_pos = "eol"
    end
    local mark = vim.api.nvim_buf_set_extmark(buf, M.ns, len > 0 and start or row, 0, anchor)
    if draw and #virt > 0 then
      vim.api.nvim_buf_set_extmark(buf, M.ns, row, 0, {
        virt_lines = virt,
        virt_lines_above = above,
        priority = 200,
      })
    end
    local entry = vim.deepcopy(h)
    entry.mark = mark
    entry.above = above
    st.hunks[#st.hunks + 1] = entry
  end
  set_maps(buf, #st.hunks > 0)
  reveal_top(buf)
end

--- Ask the server for `buf`'s hunks and draw them.
function M.refresh(buf)
  if pending[buf] then
    return
  end
  pending[buf] = true
  vim.schedule(function()
    pending[buf] = nil
    if not vim.api.nvim_buf_is_valid(buf) or not client.get(buf) then
      return
    end
    local st = M.state[buf] or {}
    M.state[buf] = st
    st.hunks = st.hunks or {}
    st.seq = (st.seq or 0) + 1
    local seq = st.seq
    client.request(buf, "tandem/hunks", { uri = client.uri(buf) }, function(err, result)
      if err or seq ~= st.seq or not vim.api.nvim_buf_is_valid(buf) then
        -- An error is an older server without tandem/hunks: the hint
        -- diagnostics still show. A later request supersedes this one.
        return
      end
      -- Line numbers of an older text than the buffer's: the server has not
      -- seen the latest change yet. Keep the marks (they moved with the
      -- text) and ask again once it has.
      local version = type(result) == "table" and result.version
      if type(version) == "number" and version < vim.api.nvim_buf_get_changedtick(buf) then
        st.stale = (st.stale or 0) + 1
        if st.stale <= 20 then
          vim.defer_fn(function()
            M.refresh(buf)
          end, 100)
          return
        end
      end
      st.stale = 0
      M.render(buf, result)
    end)
  end)
end

--- Redraw the loaded buffer of `uri`, if any.
function M.refresh_uri(uri)
  local ok, fname = pcall(vim.uri_to_fname, uri)
  local buf = ok and vim.fn.bufnr(fname) or -1
  if buf > 0 and vim.api.nvim_buf_is_loaded(buf) then
    if #vim.lsp.get_clients({ name = client.name, bufnr = buf }) > 0 then
      M.refresh(buf)
    end
  end
end

--- Where hunk `h` is now (rows follow the user's edits): first and last
--- row it covers, and the row its added lines hang on.
local function place(buf, h)
  local pos = vim.api.nvim_buf_get_extmark_by_id(buf, M.ns, h.mark, { details = true })
  if not pos or not pos[1] then
    return nil
  end
  local row, details = pos[1], pos[3] or {}
  local last = row
  if details.end_row and details.end_row > row then
    last = details.end_row - 1
  end
  return row, last
end

--- The hunk under `row` (0-based) of `buf`, if any.
function M.hunk_at(buf, row)
  local st = M.state[buf]
  if not st then
    return nil
  end
  for _, h in ipairs(st.hunks) do
    local first, last = place(buf, h)
    if first and row >= first and row <= last then
      return h
    end
  end
  return nil
end

function M.hunks(buf)
  return (M.state[buf] and M.state[buf].hunks) or {}
end

--- Move the cursor to the next (`dir` 1) or previous (-1) hunk.
function M.jump(buf, dir)
  buf = buf or vim.api.nvim_get_current_buf()
  local cur = vim.api.nvim_win_get_cursor(0)[1] - 1
  local rows = {}
  for _, h in ipairs(M.hunks(buf)) do
    local first = place(buf, h)
    if first then
      rows[#rows + 1] = first
    end
  end
  table.sort(rows)
  local target
  if dir > 0 then
    for _, r in ipairs(rows) do
      if r > cur then
        target = r
        break
      end
    end
    target = target or rows[1]
  else
    for i = #rows, 1, -1 do
      if rows[i] < cur then
        target = rows[i]
        break
      end
    end
    target = target or rows[#rows]
  end
  if target then
    vim.api.nvim_win_set_cursor(0, { target + 1, 0 })
  else
    vim.notify("Tandem: no hunks in this buffer", vim.log.levels.INFO)
  end
end

function M.detach(buf)
  M.clear(buf)
  set_maps(buf, false)
  M.state[buf] = nil
end

return M
