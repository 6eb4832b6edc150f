-- Starting `tandem lsp` for a buffer's root, and talking to it.
local config = require("tandem.config")

local M = {}

M.name = "tandem"

local has_011 = vim.fn.has("nvim-0.11") == 1

-- Client methods are called with `:` from 0.11 on, with `.` before.
local function call(client, method, ...)
  if has_011 then
    return client[method](client, ...)
  end
  return client[method](...)
end

--- The Tandem client serving `buf` (else any Tandem client).
function M.get(buf)
  buf = buf or vim.api.nvim_get_current_buf()
  local clients = vim.lsp.get_clients({ name = M.name, bufnr = buf })
  if #clients == 0 then
    clients = vim.lsp.get_clients({ name = M.name })
  end
  return clients[1]
end

function M.is_tandem(client_id)
  local client = vim.lsp.get_client_by_id(client_id)
  return client ~= nil and client.name == M.name
end

local function root_of(buf)
  local markers = config.options.root_markers
  local root = vim.fs.root and vim.fs.root(buf, markers)
  return root or vim.fn.getcwd()
end

local function capabilities()
  local caps = vim.lsp.protocol.make_client_capabilities()
  caps.experimental = vim.tbl_extend("force", caps.experimental or {}, {
    -- approvals: `tandem/approve`, shown without taking the focus;
    -- questions: `tandem/question`, answered with `:Tandem answer`.
    tandem = { events = true, approvals = true, questions = true },
  })
  return caps
end

local function handlers()
  local inline = require("tandem.inline")
  return {
    ["window/showMessageRequest"] = require("tandem.approval").handler,
    ["tandem/approve"] = require("tandem.approval").on_approve,
    ["tandem/approvalClosed"] = require("tandem.approval").on_closed,
    ["tandem/question"] = require("tandem.questions").on_question,
    ["textDocument/publishDiagnostics"] = function(err, result, ctx, cfg)
      vim.lsp.diagnostic.on_publish_diagnostics(err, result, ctx, cfg)
      if result and result.uri then
        inline.refresh_uri(result.uri)
      end
      -- The server republishes after every change of a proposal: the
      -- review list and the statusline's count follow.
      require("tandem.review").refresh()
    end,
    ["tandem/event"] = function(_, params, ctx)
      require("tandem.events").on_event(params, ctx)
    end,
    ["tandem/taskChanged"] = function(_, params, ctx)
      require("tandem.tasks").on_changed(params, ctx)
    end,
  }
end

--- Whether `buf` is a file buffer Tandem should attach to.
local function wanted(buf)
  if not vim.api.nvim_buf_is_valid(buf) or vim.bo[buf].buftype ~= "" then
    return false
  end
  if vim.api.nvim_buf_get_name(buf) == "" then
    return false
  end
  local fts = config.options.filetypes
  return fts == nil or vim.tbl_contains(fts, vim.bo[buf].filetype)
end

-- What the server is doing, for the statusline: nil (never started),
-- "starting", "ready", or "failed" with `M.failure` saying why.
M.state = nil
M.failure = nil

local function set_state(state, why)
  M.state, M.failure = state, why
  vim.schedule(function()
    vim.cmd("redrawstatus")
  end)
end

--- Start (or reuse) the server for `buf`'s root and attach it.
function M.attach(buf)
  buf = buf or vim.api.nvim_get_current_buf()
  if not wanted(buf) then
    return nil
  end
  local opts = config.options
  if not M.get(buf) then
    local exe = opts.cmd and opts.cmd[1]
    if type(exe) == "string" and vim.fn.executable(exe) ~= 1 then
      if M.state ~= "failed" then
        set_state("failed", ("%s is not an executable"):format(exe))
        local text = ("Tandem: cannot start the server: %s is not an executable"):format(exe)
        vim.schedule(function()
          vim.notify(text, vim.log.levels.WARN)
        end)
      end
      return nil
    end
    if M.state ~= "ready" then
      set_state("starting")
    end
  end
  -- A buffer of a path with nothing on disk (`:edit NOTES.md` of a file
  -- Tandem proposes) goes to the server as "" rather than "\n": an empty
  -- text is looking at the proposed file, a lone newline an edit of the
  -- user's over it. 'fixeol' still ends the written file with a newline.
  if
    not vim.lsp.buf_is_attached(buf, (M.get(buf) or {}).id or -1)
    and vim.api.nvim_buf_line_count(buf) == 1
    and vim.api.nvim_buf_get_lines(buf, 0, 1, false)[1] == ""
    and not vim.uv.fs_stat(vim.api.nvim_buf_get_name(buf))
  then
    vim.bo[buf].eol = false
    -- Only while it is empty: full texts sent once it has some end with
    -- the newline again.
    vim.api.nvim_create_autocmd({ "TextChanged", "TextChangedI" }, {
      buffer = buf,
      once = true,
      callback = function()
        vim.bo[buf].eol = true
      end,
    })
  end
  local ok, id = pcall(vim.lsp.start, {
    name = M.name,
    cmd = opts.cmd,
    cmd_env = opts.cmd_env,
    root_dir = root_of(buf),
    -- An empty Lua table would go as `[]`; the server wants an object.
    init_options = next(opts.settings or {}) and opts.settings or vim.empty_dict(),
    capabilities = capabilities(),
    handlers = handlers(),
    flags = { debounce_text_changes = 50 },
    on_init = function(client)
      local ns = vim.lsp.diagnostic.get_namespace(client.id)
      vim.diagnostic.config(opts.diagnostics, ns)
      set_state("ready")
    end,
    on_exit = function(code, signal)
      if code ~= 0 or signal ~= 0 then
        local why = signal ~= 0 and ("killed by signal %d"):format(signal) or ("exited with code %d"):format(code)
        set_state("failed", why)
      else
        set_state(nil)
      end
    end,
  }, { bufnr = buf, silent = true })
  if not ok or not id then
    local why = ok and "vim.lsp.start gave no client" or tostring(id)
    set_state("failed", why)
    vim.schedule(function()
      vim.notify("Tandem: cannot start the server: " .. why, vim.log.levels.WARN)
    end)
    return nil
  end
  return id
end

--- The client for `buf`, started if needed; reports when there is none.
function M.ensure(buf)
  local client = M.get(buf)
  if not client then
    local id = M.attach(buf)
    client = id and vim.lsp.get_client_by_id(id)
  end
  if not client then
    vim.notify("Tandem: no server for this buffer (is it a file?)", vim.log.levels.WARN)
  end
  return client
end

--- Send a request; `cb(err, result, client)`.
function M.request(buf, method, params, cb)
  local client = M.ensure(buf)
  if not client then
    return false
  end
  return call(client, "request", method, params, function(err, result)
    if cb then
      cb(err, result, client)
    end
  end, buf)
end

--- `workspace/executeCommand`; `cb(err, result)`.
function M.execute(buf, command, args, cb)
  if args == nil or next(args) == nil then
    args = vim.empty_dict() -- `{}`, not `[]`
  end
  return M.request(buf, "workspace/executeCommand", {
    command = command,
    arguments = { args },
  }, cb)
end

function M.notify(client, method, params)
  return call(client, "notify", method, params)
end

--- Report an error of a request to the user; true when there was one.
function M.report(err, what)
  if not err then
    return false
  end
  local message = type(err) == "table" and err.message or tostring(err)
  vim.notify(("Tandem: %s failed: %s"):format(what, message), vim.log.levels.ERROR)
  return true
end

function M.uri(buf)
  return vim.uri_from_bufnr(buf)
end

--- The loaded buffer of `uri`, else nil.
function M.buf_of(uri)
  local ok, fname = pcall(vim.uri_to_fname, uri)
  local buf = ok and vim.fn.bufnr(fname) or -1
  if buf > 0 and vim.api.nvim_buf_is_loaded(buf) then
    return buf
  end
  return nil
end

--- The path of `uri` relative to the current folder, for messages.
function M.path_of(uri)
  local ok, fname = pcall(vim.uri_to_fname, uri)
  return ok and vim.fn.fnamemodify(fname, ":.") or uri
end

return M
