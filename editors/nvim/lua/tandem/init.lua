-- Tandem for Neovim: the built-in LSP client talking to `tandem lsp`.
--   require("tandem").setup({ settings = { model = { provider = "anthropic" } } })
-- See `:help tandem`.
local config = require("tandem.config")
local client = require("tandem.client")
local inline = require("tandem.inline")

local M = {}

M.did_setup = false

local function selection_range(buf, line1, line2, enc)
  -- A charwise visual selection on exactly these lines keeps its columns.
  local s, e = vim.api.nvim_buf_get_mark(buf, "<"), vim.api.nvim_buf_get_mark(buf, ">")
  local text = function(row)
    return vim.api.nvim_buf_get_lines(buf, row, row + 1, false)[1] or ""
  end
  local start_col, end_col = 0, #text(line2 - 1)
  if vim.fn.visualmode() == "v" and s[1] == line1 and e[1] == line2 then
    start_col = s[2]
    end_col = math.min(#text(line2 - 1), e[2] + 1)
  end
  local offset = function(row, col)
    local ok, c = pcall(vim.lsp.util.character_offset, buf, row, col, enc)
    return ok and c or col
  end
  return {
    start = { line = line1 - 1, character = offset(line1 - 1, start_col) },
    ["end"] = { line = line2 - 1, character = offset(line2 - 1, end_col) },
  }
end

--- Start a run. `opts`: { prompt, range = {line1, line2} (1-based) }.
function M.ask(opts)
  opts = opts or {}
  local buf = vim.api.nvim_get_current_buf()
  local prompt = opts.prompt
  if not prompt or vim.trim(prompt) == "" then
    vim.ui.input({ prompt = "Ask Tandem: " }, function(input)
      if input and vim.trim(input) ~= "" then
        M.ask(vim.tbl_extend("force", opts, { prompt = input }))
      end
    end)
    return
  end
  local tandem = client.ensure(buf)
  if not tandem then
    return
  end
  local args = { prompt = prompt }
  if vim.bo[buf].buftype == "" and vim.api.nvim_buf_get_name(buf) ~= "" then
    args.uri = client.uri(buf)
    if opts.range then
      args.range = selection_range(buf, opts.range[1], opts.range[2], tandem.offset_encoding)
    end
  end
  client.execute(buf, "tandem.ask", args, function(err, result)
    if client.report(err, "starting the run") then
      return
    end
    M.last_run = result and result.run
  end)
end

function M.task(prompt)
  require("tandem.tasks").start(vim.api.nvim_get_current_buf(), prompt)
end

function M.tasks()
  require("tandem.tasks").list(vim.api.nvim_get_current_buf())
end

function M.steer(message)
  if not message or vim.trim(message) == "" then
    vim.notify("Tandem: :Tandem steer needs a message", vim.log.levels.WARN)
    return
  end
  client.execute(0, "tandem.steer", { message = message }, function(err)
    client.report(err, "steering")
  end)
end

function M.cancel()
  client.execute(0, "tandem.cancel", {}, function(err, result)
    if client.report(err, "cancelling") then
      return
    end
    local n = result and result.cancelled or 0
    vim.notify(n > 0 and "Tandem: cancelled" or "Tandem: no run is going on")
  end)
end

--- The next run starts a new conversation (runs go on with the current
--- one otherwise: the model sees what was said before).
function M.new_conversation()
  client.execute(0, "tandem.newConversation", {}, function(err)
    if client.report(err, "starting a new conversation") then
      return
    end
    vim.notify("Tandem: the next run starts a new conversation")
  end)
end

--- Accept the hunk under the cursor (in a buffer or the review list);
--- `{ file = true }` the file's hunks, `{ all = true }` the runs' whole
--- proposal, `{ all = true, task = id }` a task's.
function M.accept(opts)
  require("tandem.answer").answer("accept", opts)
end

function M.reject(opts)
  require("tandem.answer").answer("reject", opts)
end

--- Drop the conflicted hunk under the cursor and ask Tandem to redo it on
--- the text as it is now.
function M.rerun()
  require("tandem.answer").rerun()
end

--- `:Tandem review`: every pending hunk in the quickfix list.
function M.review()
  require("tandem.review").open()
end

--- `:Tandem log`: the run log.
function M.log()
  require("tandem.events").open_log()
end

function M.diff()
  require("tandem.diff").open(vim.api.nvim_get_current_buf())
end

function M.next_hunk()
  inline.jump(nil, 1)
end

function M.prev_hunk()
  inline.jump(nil, -1)
end

--- For the statusline: what Tandem is doing. "Tandem: starting",
--- "Tandem: failed to start (why)", a run's progress ("Tandem: thinking
--- (turn 2)"), "Tandem: running", "Tandem: 3 to review", "Tandem: idle";
--- "" while no server was started. `vim.lsp.status()` shows the progress
--- too, with every other server's.
M._progress = {}
M._titles = {}
function M.status()
  local state = client.state
  if state == "failed" then
    return "Tandem: failed to start (" .. tostring(client.failure or "?") .. ")"
  elseif state == nil then
    return ""
  elseif state == "starting" then
    return "Tandem: starting"
  end
  local parts = {}
  for _, msg in pairs(M._progress) do
    parts[#parts + 1] = msg
  end
  table.sort(parts)
  if #parts > 0 then
    return table.concat(parts, ", ")
  end
  if require("tandem.events").running() then
    return "Tandem: running"
  end
  local n = require("tandem.review").count
  if n and n > 0 then
    return ("Tandem: %d to review"):format(n)
  end
  return "Tandem: idle"
end

local function on_progress(args)
  local data = args.data or {}
  if not data.client_id or not client.is_tandem(data.client_id) then
    return
  end
  local params = data.params or data.result or {}
  local value = params.value or {}
  local token = tostring(params.token)
  if value.kind == "end" then
    M._progress[token] = nil
    M._titles[token] = nil
  elseif value.kind then
    local title = value.title or M._titles[token] or "Tandem"
    M._titles[token] = title
    M._progress[token] = value.message and (title .. ": " .. value.message) or title
  end
  vim.cmd("redrawstatus")
end

--- Set Tandem up; starts the server for each file buffer's root.
function M.setup(opts)
  config.set(opts)
  inline.set_highlights()
  local group = vim.api.nvim_create_augroup("tandem", { clear = true })
  vim.api.nvim_create_autocmd({ "BufReadPost", "BufNewFile", "FileType" }, {
    group = group,
    callback = function(args)
      client.attach(args.buf)
    end,
  })
  vim.api.nvim_create_autocmd("LspAttach", {
    group = group,
    callback = function(args)
      if client.is_tandem(args.data.client_id) then
        inline.refresh(args.buf)
      end
    end,
  })
  vim.api.nvim_create_autocmd("LspDetach", {
    group = group,
    callback = function(args)
      if client.is_tandem(args.data.client_id) then
        inline.detach(args.buf)
      end
    end,
  })
  vim.api.nvim_create_autocmd("BufWipeout", {
    group = group,
    callback = function(args)
      inline.state[args.buf] = nil
    end,
  })
  vim.api.nvim_create_autocmd("LspProgress", { group = group, callback = on_progress })
  vim.api.nvim_create_autocmd("LspAttach", {
    group = group,
    callback = function(args)
      if client.is_tandem(args.data.client_id) then
        require("tandem.review").refresh()
      end
    end,
  })
  vim.api.nvim_create_autocmd("ColorScheme", { group = group, callback = inline.set_highlights })
  vim.api.nvim_create_autocmd("WinResized", {
    group = group,
    callback = function()
      for buf in pairs(inline.state) do
        inline.refresh(buf)
      end
    end,
  })
  if config.options.forward_diagnostics then
    vim.api.nvim_create_autocmd("DiagnosticChanged", {
      group = group,
      callback = function(args)
        require("tandem.forward").on_changed(args.buf)
      end,
    })
  end
  M.did_setup = true
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(buf) then
      client.attach(buf)
    end
  end
end

return M
