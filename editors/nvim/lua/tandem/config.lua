-- Settings of the Neovim client, with their defaults.
local M = {}

M.defaults = {
  -- How to start the language server.
  cmd = { "tandem", "lsp" },
  -- Extra environment for the server process.
  cmd_env = nil,
  -- Tandem's own settings, in the shape of `.tandem/config.toml`
  -- (e.g. { model = { provider = "anthropic", model = "claude-sonnet-4-5" } }).
  settings = {},
  -- Files or folders that mark the root a server is started for.
  root_markers = { ".tandem", ".git", "AGENTS.md", "CLAUDE.md" },
  -- Attach to buffers of these filetypes only (nil: every file buffer).
  filetypes = nil,
  -- Draw the proposal inline: removed lines highlighted, added lines as
  -- virtual lines. Off: only the hint diagnostics.
  inline = true,
  -- A short summary at the end of each hunk's first line.
  hints = true,
  -- Buffer-local maps, set while a buffer has hunks (false: none; a false
  -- entry: not that one).
  keymaps = {
    accept = "<leader>ta",
    reject = "<leader>tr",
    accept_file = "<leader>tA",
    next = "]h",
    prev = "[h",
    diff = "<leader>td",
    review = "<leader>tq",
  },
  -- Send other servers' diagnostics to Tandem (`tandem/diagnostics`).
  forward_diagnostics = true,
  -- How Tandem's own hint diagnostics are shown (vim.diagnostic.config for
  -- its namespace); they still fill the quickfix / location lists.
  diagnostics = { virtual_text = false, underline = false, signs = false },
  -- vim.notify when a run ends, with the model's final message.
  notify = true,
}

M.options = vim.deepcopy(M.defaults)

function M.set(opts)
  M.options = vim.tbl_deep_extend("force", vim.deepcopy(M.defaults), opts or {})
  -- A list replaces the default list instead of merging into it.
  if opts and opts.cmd then
    M.options.cmd = opts.cmd
  end
  -- `keymaps = true`: the default maps; `false`: none.
  if opts and opts.keymaps == true then
    M.options.keymaps = vim.deepcopy(M.defaults.keymaps)
  elseif opts and opts.keymaps == false then
    M.options.keymaps = false
  end
  if opts and opts.root_markers then
    M.options.root_markers = opts.root_markers
  end
  return M.options
end

return M
