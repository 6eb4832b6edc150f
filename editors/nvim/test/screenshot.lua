-- The screenshot scene, run by tests/tests/editor_nvim.rs in a terminal
-- (tmux) and captured to target/screenshots/nvim-inline-diff.png:
--   nvim -u NONE -i NONE -n -c "luafile editors/nvim/test/screenshot.lua"
-- Environment as for inline_diff.lua; TANDEM_READY is written once the
-- proposal is drawn, TANDEM_RESULT if something went wrong.
local env = vim.env

local H = dofile(vim.fs.dirname(debug.getinfo(1, "S").source:sub(2)) .. "/harness.lua")
local fail = H.fail

local ok, err = pcall(function()
  vim.opt.rtp:prepend(env.TANDEM_NVIM_PLUGIN)
  vim.cmd("runtime plugin/tandem.lua")
  vim.o.termguicolors = true
  vim.cmd("syntax on")
  vim.o.number = true
  vim.o.signcolumn = "yes"
  vim.o.laststatus = 2
  vim.o.cmdheight = 1
  vim.o.shortmess = vim.o.shortmess .. "I"
  vim.o.statusline = " %f %m%= %{v:lua.require'tandem'.status()} "

  require("tandem").setup({
    cmd = { env.TANDEM_BIN, "lsp" },
    settings = vim.json.decode(env.TANDEM_SETTINGS),
    notify = false,
  })
  vim.cmd.edit(vim.fn.fnameescape(vim.fn.fnamemodify(env.TANDEM_FILE, ":.")))
  vim.cmd("filetype detect")
  local buf = vim.api.nvim_get_current_buf()
  local inline = require("tandem.inline")

  local started = false
  local deadline = vim.uv.now() + 30000
  local timer = assert(vim.uv.new_timer())
  timer:start(50, 50, vim.schedule_wrap(function()
    if vim.uv.now() > deadline then
      timer:stop()
      return fail("timed out: " .. #inline.hunks(buf) .. " hunks drawn")
    end
    if not started then
      if #vim.lsp.get_clients({ name = "tandem", bufnr = buf }) > 0 then
        started = true
        vim.cmd("1,2Tandem ask make the greetings friendlier")
      end
      return
    end
    if #inline.hunks(buf) == 2 then
      timer:stop()
      vim.api.nvim_win_set_cursor(0, { 2, 4 })
      vim.cmd("echo 'Tandem: 2 hunks proposed (\\ta accept, \\tr reject, ]h next)'")
      vim.cmd("redraw")
      vim.defer_fn(function()
        local f = assert(io.open(env.TANDEM_READY, "w"))
        f:write("ready\n")
        f:close()
      end, 300)
    end
  end))
end)
if not ok then
  fail("error: " .. tostring(err))
end
