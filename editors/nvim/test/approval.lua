-- The approval scene, run by tests/tests/editor_nvim.rs in a terminal (tmux)
-- that types into it like a user:
--   nvim -u NONE -i NONE -n -c "luafile editors/nvim/test/approval.lua"
-- Environment as for screenshot.lua; TANDEM_READY is written once the run
-- is asked for, TANDEM_ASKED when the approval is shown, TANDEM_REPORT by
-- `:lua TandemReport()` (what the buffer holds, the open approvals, where
-- the cursor is), TANDEM_RESULT if something went wrong.
local env = vim.env

local H = dofile(vim.fs.dirname(debug.getinfo(1, "S").source:sub(2)) .. "/harness.lua")
local write, fail = H.write, H.fail

local main_win

function TandemReport()
  local approval = require("tandem.approval")
  local item = approval.queue[1]
  local float = item and item.win and vim.api.nvim_win_get_config(item.win)
  write(
    env.TANDEM_REPORT,
    vim.json.encode({
      lines = vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(main_win), 0, -1, false),
      open = #approval.queue,
      float_focusable = float and float.focusable,
      in_main_window = vim.api.nvim_get_current_win() == main_win,
      mode = vim.api.nvim_get_mode().mode,
    })
  )
end

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
  main_win = vim.api.nvim_get_current_win()
  local buf = vim.api.nvim_get_current_buf()
  vim.api.nvim_create_autocmd("User", {
    pattern = "TandemApproval",
    callback = function()
      write(env.TANDEM_ASKED, "asked\n")
    end,
  })

  local deadline = vim.uv.now() + 30000
  local timer = assert(vim.uv.new_timer())
  timer:start(50, 50, vim.schedule_wrap(function()
    if vim.uv.now() > deadline then
      timer:stop()
      return fail("timed out waiting for the server")
    end
    if #vim.lsp.get_clients({ name = "tandem", bufnr = buf }) > 0 then
      timer:stop()
      vim.cmd("Tandem ask check the greeting")
      write(env.TANDEM_READY, "ready\n")
    end
  end))
end)
if not ok then
  fail("error: " .. tostring(err))
end
