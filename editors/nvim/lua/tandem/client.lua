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
    -- approvals: `tandem/approve`, shown without taking the focus.
    tandem = { events = true, approvals = true },
  })
  return caps
end

local function handlers()
  local inline = require("tandem.inline")
  return {
    ["window/showMessageRequest"] = require("tandem.approval").handler,
    ["tandem/approve"] = require("tandem.approval").on_approve,
    ["tandem/approvalClosed"] = require("tandem.approval").on_closed,
    ["textDocument/publishDiagnostics"] = function(err, result, ctx, cfg)
      vim.lsp.diagnostic.on_publish_diagnostics(err, result, ctx, cfg)
      if result and result.uri then
        inline.refresh_uri(result.uri)
      end
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

--- Start (or reuse) the server for `buf`'s root and attach it.
function M.attach(buf)
  buf = buf or vim.api.nvim_get_current_buf()
  if not wanted(buf) then
    return nil
  end
  local opts = config.options
  return vim.lsp.start({
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
    end,
  }, { bufnr = buf })
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

return M
