-- Other servers' diagnostics, sent to Tandem so the agent sees what the
-- editor sees: `tandem/diagnostics` {uri, diagnostics} on every change.
local client = require("tandem.client")

local M = {}

local timers = {}
-- What was last sent per "client:buffer", so Tandem's own redraws send nothing.
local last = {}

local severity_to_lsp = {
  [vim.diagnostic.severity.ERROR] = 1,
  [vim.diagnostic.severity.WARN] = 2,
  [vim.diagnostic.severity.INFO] = 3,
  [vim.diagnostic.severity.HINT] = 4,
}

local function character(buf, row, col, enc)
  local ok, c = pcall(vim.lsp.util.character_offset, buf, row, col, enc)
  return ok and c or col
end

--- `buf`'s diagnostics, less Tandem's own, as LSP diagnostics in `tandem`'s
--- position encoding.
function M.collect(buf, tandem)
  local own = vim.lsp.diagnostic.get_namespace(tandem.id)
  local enc = tandem.offset_encoding or "utf-16"
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if d.namespace ~= own then
      local end_lnum = d.end_lnum or d.lnum
      local end_col = d.end_col or d.col
      out[#out + 1] = {
        range = {
          start = { line = d.lnum, character = character(buf, d.lnum, d.col, enc) },
          ["end"] = { line = end_lnum, character = character(buf, end_lnum, end_col, enc) },
        },
        severity = severity_to_lsp[d.severity],
        source = d.source,
        code = d.code,
        message = d.message,
      }
    end
  end
  return out
end

function M.send(buf)
  if not vim.api.nvim_buf_is_valid(buf) then
    return
  end
  for _, tandem in ipairs(vim.lsp.get_clients({ name = client.name, bufnr = buf })) do
    local diagnostics = M.collect(buf, tandem)
    local key = tandem.id .. ":" .. buf
    local encoded = vim.json.encode(diagnostics)
    if last[key] ~= encoded then
      last[key] = encoded
      client.notify(tandem, "tandem/diagnostics", {
        uri = client.uri(buf),
        diagnostics = diagnostics,
      })
    end
  end
end

--- On DiagnosticChanged: send after a short pause, once per burst.
function M.on_changed(buf)
  if #vim.lsp.get_clients({ name = client.name, bufnr = buf }) == 0 then
    return
  end
  if timers[buf] then
    return
  end
  timers[buf] = true
  vim.defer_fn(function()
    timers[buf] = nil
    M.send(buf)
  end, 200)
end

return M
