-- Questions in Neovim, run by tests/tests/editor_nvim.rs against the real
-- server: the agent's `ask_user` arrives as `tandem/question`, is announced
-- without taking the focus, and `:Tandem answer` offers its options through
-- vim.ui.select (here the user picks "postgres"); the run then finishes.
-- A second `:Tandem answer` says no question is waiting.
-- Environment: as inline_diff.lua.
local env = vim.env
local H = dofile(vim.fs.dirname(debug.getinfo(1, "S").source:sub(2)) .. "/harness.lua")
local result = H.result({ "notifications", "selects" })

local check = H.checker(result)
local wait = H.waiter(30000)
local function main()
  vim.opt.rtp:prepend(env.TANDEM_NVIM_PLUGIN)
  vim.cmd("runtime plugin/tandem.lua")
  H.capture(result, function(titles)
    for i, t in ipairs(titles) do
      if t:find("^postgres") then
        return i
      end
    end
  end)
  local asked, finished = 0, false
  vim.api.nvim_create_autocmd("User", {
    pattern = "TandemQuestion",
    callback = function()
      asked = asked + 1
    end,
  })
  vim.api.nvim_create_autocmd("User", {
    pattern = "TandemRunFinished",
    callback = function()
      finished = true
    end,
  })
  require("tandem").setup({
    cmd = { env.TANDEM_BIN, "lsp" },
    settings = vim.json.decode(env.TANDEM_SETTINGS),
  })
  vim.cmd.edit(vim.fn.fnameescape(env.TANDEM_FILE))
  local buf = vim.api.nvim_get_current_buf()
  wait("the server to attach", function()
    return #vim.lsp.get_clients({ name = "tandem", bufnr = buf }) > 0
  end)

  vim.cmd("Tandem ask add a cache")
  wait("the question", function()
    return asked == 1
  end)
  check("the question is announced, naming :Tandem answer", vim.iter(result.notifications):any(function(n)
    return n:find("Tandem asks: Database (:Tandem answer)", 1, true) ~= nil
  end), result.notifications)
  check("nothing was offered before :Tandem answer", #result.selects == 0, result.selects)
  check("the run waits for the answer", not finished)

  vim.cmd("Tandem answer")
  local offered = result.selects[1] or {}
  check("the question is the prompt", (offered.prompt or ""):find("Which database should the cache use?", 1, true) ~= nil, offered)
  check("its options, described, and own words", vim.deep_equal(offered.items, {
    "sqlite — a file next to the app",
    "postgres — the team's server",
    "Answer in your own words…",
  }), offered.items)
  wait("the run to finish", function()
    return finished
  end)

  vim.cmd("Tandem answer")
  check("then no question waits", vim.iter(result.notifications):any(function(n)
    return n:find("no question is waiting", 1, true) ~= nil
  end), result.notifications)
end

H.run(result, main)
