-- The review scenes, run by tests/tests/editor_nvim.rs in a terminal (tmux)
-- and captured to target/screenshots/nvim-new-file.png and
-- nvim-review.png:
--   nvim -u NONE -i NONE -n -c "luafile editors/nvim/test/review_screens.lua"
-- The model's script is the one of review.lua. Scene 1: the run's
-- proposal drawn inline, src/greet.py above and the new NOTES.md (an empty
-- buffer showing the proposed content) below; TANDEM_READY is written when
-- it is on screen. Once TANDEM_GO exists, scene 2: a background task opened
-- as its own proposal and `:Tandem review` listing both; TANDEM_READY2 is
-- written then. TANDEM_RESULT if something went wrong.
local env = vim.env

local H = dofile(vim.fs.dirname(debug.getinfo(1, "S").source:sub(2)) .. "/harness.lua")
local write, fail = H.write, H.fail

local ok, err = pcall(function()
  vim.opt.rtp:prepend(env.TANDEM_NVIM_PLUGIN)
  vim.cmd("runtime plugin/tandem.lua")
  vim.o.termguicolors = true
  vim.cmd("syntax on")
  -- The quickfix window's own statusline (with the list's title).
  vim.cmd("filetype plugin on")
  vim.o.number = true
  vim.o.signcolumn = "yes"
  vim.o.laststatus = 2
  vim.o.cmdheight = 1
  vim.o.shortmess = vim.o.shortmess .. "I"
  vim.o.statusline = " %f %m%= %{v:lua.require'tandem'.status()} "
  -- Messages stay on one line: a longer one would wait for Enter.
  vim.notify = function(msg)
    msg = tostring(msg):gsub("\n.*", "")
    if vim.fn.strdisplaywidth(msg) > vim.o.columns - 12 then
      msg = vim.fn.strcharpart(msg, 0, vim.o.columns - 13) .. "…"
    end
    vim.api.nvim_echo({ { msg } }, false, {})
  end
  -- The approval of the command, and the task picked from the list.
  vim.api.nvim_create_autocmd("User", {
    pattern = "TandemApproval",
    callback = function()
      vim.schedule(function()
        vim.cmd("Tandem approve once")
      end)
    end,
  })
  vim.ui.select = function(items, _, on_choice)
    on_choice(items[1], 1)
  end

  require("tandem").setup({
    cmd = { env.TANDEM_BIN, "lsp" },
    settings = vim.json.decode(env.TANDEM_SETTINGS),
  })
  vim.cmd.edit("src/greet.py")
  vim.cmd("filetype detect")
  local greet = vim.api.nvim_get_current_buf()
  local inline = require("tandem.inline")

  local stage, finished, task_done, opened, listed = "attach", nil, false, false, false
  vim.api.nvim_create_autocmd("User", {
    pattern = "TandemRunFinished",
    callback = function(ev)
      finished = ev.data
    end,
  })
  vim.api.nvim_create_autocmd("User", {
    pattern = "TandemTaskChanged",
    callback = function(ev)
      task_done = task_done or ev.data.state == "done"
    end,
  })
  vim.api.nvim_create_autocmd("User", {
    pattern = "TandemTaskOpened",
    callback = function()
      opened = true
    end,
  })
  vim.api.nvim_create_autocmd("User", {
    pattern = "TandemReview",
    callback = function()
      listed = true
    end,
  })

  local notes
  local deadline = vim.uv.now() + 60000
  local timer = assert(vim.uv.new_timer())
  timer:start(50, 50, vim.schedule_wrap(function()
    if vim.uv.now() > deadline then
      timer:stop()
      return fail("timed out in stage " .. stage)
    end
    if stage == "attach" then
      if #vim.lsp.get_clients({ name = "tandem", bufnr = greet }) > 0 then
        stage = "run"
        vim.cmd("Tandem ask make the greetings friendlier and write notes")
      end
    elseif stage == "run" then
      if finished and #inline.hunks(greet) == 2 then
        stage = "notes"
        vim.cmd("belowright 8split NOTES.md")
        notes = vim.api.nvim_get_current_buf()
      end
    elseif stage == "notes" then
      if #inline.hunks(notes) == 1 then
        stage = "shot1"
        vim.cmd("wincmd k")
        vim.api.nvim_win_set_cursor(0, { 1, 0 })
        vim.cmd("redraw")
        vim.notify(finished.text)
        write(env.TANDEM_READY, "ready\n")
      end
    elseif stage == "shot1" then
      if vim.uv.fs_stat(env.TANDEM_GO) then
        stage = "task"
        vim.cmd("Tandem task update the readme")
      end
    elseif stage == "task" then
      if task_done then
        stage = "open"
        vim.cmd("Tandem tasks")
      end
    elseif stage == "open" then
      if opened and #inline.hunks(vim.api.nvim_get_current_buf()) == 1 then
        stage = "review"
        listed = false
        vim.cmd("only")
        vim.cmd("Tandem review")
      end
    elseif stage == "review" then
      if listed and vim.bo.buftype == "quickfix" then
        stage = "shot2"
        timer:stop()
        vim.cmd("redraw")
        write(env.TANDEM_READY2, "ready\n")
      end
    end
  end))
end)
if not ok then
  fail("error: " .. tostring(err))
end
