-- Answering the proposals: the hunk under the cursor (in a buffer, where it
-- is drawn, or on its entry of the `:Tandem review` list), a file's hunks,
-- or all of one proposal. Every answer names its proposal (`group`): "run"
-- for the editor's runs, "task:<id>" for a background task opened for
-- review, so accepting one never touches another's hunks.
local client = require("tandem.client")
local inline = require("tandem.inline")

local M = {}


--- A group as the user reads it: "runs in this editor", "task 3f2a1b9c".
function M.label(group)
  local id = type(group) == "string" and group:match("^task:(.+)$")
  if id then
    return "task " .. id:sub(-8)
  end
  return "runs in this editor"
end

-- Save each loaded buffer of a file the accepted edit created: Neovim
-- creates the file empty and puts the text in a buffer only.
local function write_created(created)
  local written = {}
  for _, uri in ipairs(created or {}) do
    local buf = client.buf_of(uri)
    if buf then
      -- The edit inserted the text (ending in a newline) into an empty
      -- buffer, whose one empty line is now an extra last line: drop it,
      -- the written file ends with the newline of 'eol'.
      local n = vim.api.nvim_buf_line_count(buf)
      if n > 1 and vim.api.nvim_buf_get_lines(buf, n - 1, n, false)[1] == "" then
        vim.api.nvim_buf_set_lines(buf, n - 1, n, false, {})
      end
      vim.bo[buf].eol = true
      local ok, err = pcall(vim.api.nvim_buf_call, buf, function()
        -- `!`: the edit created the file (empty) after the buffer was made.
        vim.cmd("silent write!")
      end)
      if ok then
        written[#written + 1] = client.path_of(uri)
      else
        vim.notify(("Tandem: could not save %s: %s"):format(client.path_of(uri), tostring(err)), vim.log.levels.ERROR)
      end
    end
  end
  if #written > 0 then
    vim.notify("Tandem: created " .. table.concat(written, ", "))
  end
end

M.write_created = write_created

--- Run `command` with `args`; on its answer save created files, redraw
--- the review list, then `done(err, result)`.
function M.send(buf, command, args, what, done)
  client.execute(buf, command, args, function(err, result)
    if not client.report(err, what) and type(result) == "table" then
      write_created(result.created)
    end
    require("tandem.review").refresh()
    if done then
      done(err, result)
    end
  end)
end

--- The task group whose id starts with `prefix` (a full or short task id),
--- through `tandem/review`; `cb(group or nil, message)`.
function M.resolve_task(buf, prefix, cb)
  prefix = prefix:gsub("^task:", "")
  require("tandem.review").fetch(buf, function(result)
    local found = {}
    for _, g in ipairs((result and result.groups) or {}) do
      local id = type(g.id) == "string" and g.id:match("^task:(.+)$")
      if id and (id:sub(1, #prefix) == prefix or id:sub(-#prefix) == prefix) then
        found[#found + 1] = g.id
      end
    end
    if #found == 1 then
      return cb(found[1])
    end
    cb(nil, #found == 0 and ("no task %s is open for review (:Tandem tasks opens one)"):format(prefix)
      or ("%s matches %d tasks; give more of the id"):format(prefix, #found))
  end)
end

-- The hunk the cursor is on: its review-list entry when in the list, else
-- the one drawn under it. Returns { uri, hunk, group, buf } or nil.
local function target()
  local entry = require("tandem.review").entry_under_cursor()
  if entry ~= nil then
    return entry or nil, true
  end
  local buf = vim.api.nvim_get_current_buf()
  local h = inline.hunk_at(buf, vim.api.nvim_win_get_cursor(0)[1] - 1)
  if not h then
    return nil, false
  end
  return { uri = client.uri(buf), hunk = h.id, group = h.group or "run", buf = buf }, false
end

-- The proposal a file answer in `buf` is about: the hunk's under the
-- cursor, else the runs' when they change the file, else the first.
local function file_group(buf)
  local h = inline.hunk_at(buf, vim.api.nvim_win_get_cursor(0)[1] - 1)
  if h then
    return h.group or "run"
  end
  local first
  for _, hunk in ipairs(inline.hunks(buf)) do
    local g = hunk.group or "run"
    if g == "run" then
      return g
    end
    first = first or g
  end
  return first or "run"
end

--- `verb`: "accept" | "reject". `opts`: { all = bool, file = bool,
--- task = id prefix (with `all`) }.
function M.answer(verb, opts)
  opts = opts or {}
  local buf = vim.api.nvim_get_current_buf()
  local what = verb == "accept" and "Accept" or "Reject"
  local suffix = verb == "accept" and "accept" or "reject"
  if opts.all then
    local function all(group)
      M.send(buf, "tandem." .. suffix .. "All", { group = group }, what .. " all", function(err, result)
        if not err then
          local n = result and (result.rejected or nil)
          local said = verb == "accept" and "accepted" or "rejected"
          if verb == "accept" and result and result.applied == false then
            return
          end
          local whose = group == "run" and "the runs in this editor" or M.label(group)
          local count = n and (" (%d hunk%s)"):format(n, n == 1 and "" or "s") or ""
          vim.notify(("Tandem: %s the proposal of %s%s"):format(said, whose, count))
        end
      end)
    end
    if opts.task and opts.task ~= "" and opts.task ~= "run" then
      M.resolve_task(buf, opts.task, function(group, why)
        if not group then
          vim.notify("Tandem: " .. why, vim.log.levels.WARN)
          return
        end
        all(group)
      end)
    else
      all("run")
    end
    return
  end
  local t, in_list = target()
  if opts.file then
    local args
    if in_list then
      if not t then
        vim.notify("Tandem: no file entry under the cursor", vim.log.levels.INFO)
        return
      end
      args = { uri = t.uri, group = t.group }
    else
      args = { uri = client.uri(buf), group = file_group(buf) }
    end
    M.send(buf, "tandem." .. suffix .. "File", args, what .. " file")
    return
  end
  if not t or not t.hunk then
    vim.notify("Tandem: no hunk under the cursor", vim.log.levels.INFO)
    return
  end
  M.send(buf, "tandem." .. suffix .. "Hunk", { uri = t.uri, hunk = t.hunk, group = t.group }, what .. " hunk")
end

--- Drop the conflicted hunk under the cursor and redo it on the text now.
function M.rerun()
  local t = target()
  if not t or not t.hunk then
    vim.notify("Tandem: no hunk under the cursor", vim.log.levels.INFO)
    return
  end
  M.send(0, "tandem.rerun", { uri = t.uri, hunk = t.hunk, group = t.group }, "re-running")
end

return M
