-- `:Tandem {subcommand} [args]`.
local M = {}

local function tandem()
  local t = require("tandem")
  if not t.did_setup then
    t.setup({})
  end
  return t
end

M.subcommands = {
  ask = function(o)
    tandem().ask({ prompt = o.rest, range = o.range > 0 and { o.line1, o.line2 } or nil })
  end,
  task = function(o)
    tandem()
    if not require("tandem.tasks").command(0, o.rest) then
      require("tandem").task(o.rest)
    end
  end,
  tasks = function()
    tandem().tasks()
  end,
  steer = function(o)
    tandem().steer(o.rest)
  end,
  cancel = function()
    tandem().cancel()
  end,
  new = function()
    tandem().new_conversation()
  end,
  accept = function(o)
    tandem().accept({ all = o.bang, file = not o.bang and o.rest == "file", task = o.bang and o.rest or nil })
  end,
  reject = function(o)
    tandem().reject({ all = o.bang, file = not o.bang and o.rest == "file", task = o.bang and o.rest or nil })
  end,
  review = function()
    tandem().review()
  end,
  log = function()
    tandem().log()
  end,
  rerun = function()
    tandem().rerun()
  end,
  diff = function()
    tandem().diff()
  end,
  next = function()
    tandem().next_hunk()
  end,
  prev = function()
    tandem().prev_hunk()
  end,
  answer = function()
    require("tandem.questions").answer()
  end,
  approve = function(o)
    tandem()
    require("tandem.approval").approve(o.rest)
  end,
}

function M.run(opts)
  local sub, rest = (opts.args or ""):match("^%s*(%S*)%s*(.-)%s*$")
  -- `:Tandem accept!` as well as `:Tandem! accept`.
  local bang = opts.bang
  if sub:sub(-1) == "!" and M.subcommands[sub:sub(1, -2)] then
    sub, bang = sub:sub(1, -2), true
  end
  local fn = M.subcommands[sub]
  if not fn then
    local names = vim.tbl_keys(M.subcommands)
    table.sort(names)
    vim.notify(
      ("Tandem: unknown subcommand %q (one of: %s)"):format(sub, table.concat(names, ", ")),
      vim.log.levels.ERROR
    )
    return
  end
  fn({ rest = rest, bang = bang, range = opts.range, line1 = opts.line1, line2 = opts.line2 })
end

function M.complete(arglead, cmdline, _)
  local before = cmdline:match("^%S*%s+(.*)$") or ""
  if before:find("%s") then
    local sub = before:match("^(%S+)")
    if (sub == "accept" or sub == "reject") and ("file"):find(arglead, 1, true) == 1 then
      return { "file" }
    end
    if sub == "task" and not before:match("^%S+%s+%S+%s") then
      return vim.tbl_filter(function(a)
        return a:find(arglead, 1, true) == 1
      end, require("tandem.tasks").actions)
    end
    if sub == "approve" then
      return vim.tbl_filter(function(a)
        return a:find(arglead, 1, true) == 1
      end, require("tandem.approval").answers())
    end
    return {}
  end
  local out = {}
  for name in pairs(M.subcommands) do
    if name:find(arglead, 1, true) == 1 then
      out[#out + 1] = name
    end
  end
  table.sort(out)
  return out
end

return M
