-- Questions the server asks with `tandem/question` {id, kind, header, text,
-- options}: `ask_user`, a plan to approve, an MCP server's form field. As
-- with approvals, nothing takes the focus while you type: the question is
-- announced, and `:Tandem answer` opens `vim.ui.select` on its options (and
-- "Answer in your own words…", then `vim.ui.input`). A plan is shown whole,
-- and can be approved as edited. The reply is `{id, choice, text}`, or
-- null when dismissed.
local M = {}

--- Questions waiting, oldest first: { params, respond }.
M.waiting = {}

local OWN_WORDS = "Answer in your own words…"
local EDIT_PLAN = "Edit the plan…"

--- The reply for a picked item (an option's label, or nil) and words.
function M.reply(params, choice, words)
  if words ~= nil and vim.trim(words) == "" then
    words = nil
  end
  if choice == nil and words == nil then
    return vim.NIL
  end
  return { id = params.id, choice = choice, text = words }
end

local function respond(item, reply)
  for i, w in ipairs(M.waiting) do
    if w == item then
      table.remove(M.waiting, i)
    end
  end
  item.respond(reply)
end

local function label_of(option)
  if option.description and option.description ~= "" then
    return option.label .. " — " .. option.description
  end
  return option.label
end

--- Ask the oldest waiting question now (`:Tandem answer`).
function M.answer()
  local item = M.waiting[1]
  if not item then
    vim.notify("Tandem: no question is waiting", vim.log.levels.INFO)
    return
  end
  local p = item.params
  local choices = vim.deepcopy(p.options or {})
  if p.kind == "plan" then
    vim.api.nvim_echo({ { "Tandem's plan:\n" .. p.text .. "\n", "Normal" } }, true, {})
    table.insert(choices, { label = EDIT_PLAN, description = "" })
  else
    table.insert(choices, { label = OWN_WORDS, description = "" })
  end
  vim.ui.select(choices, {
    prompt = ("Tandem asks (%s): %s"):format(p.header, p.kind == "plan" and "approve the plan?" or p.text),
    format_item = label_of,
  }, function(picked)
    if picked == nil then
      return respond(item, vim.NIL)
    end
    if picked.label == OWN_WORDS then
      vim.ui.input({ prompt = p.text .. " " }, function(words)
        respond(item, M.reply(p, nil, words))
      end)
    elseif picked.label == EDIT_PLAN then
      vim.ui.input({ prompt = "The plan as you want it: ", default = p.text }, function(words)
        local approve = (p.options or {})[1]
        respond(item, words and M.reply(p, approve and approve.label, words) or vim.NIL)
      end)
    elseif picked.label == "keep-planning" then
      vim.ui.input({ prompt = "What should change? " }, function(words)
        respond(item, M.reply(p, picked.label, words))
      end)
    else
      respond(item, M.reply(p, picked.label, nil))
    end
  end)
end

--- Handler for `tandem/question`: waits, inside the coroutine Neovim runs
--- server requests in, for `:Tandem answer`.
function M.on_question(_, params, _)
  local co, is_main = coroutine.running()
  if not co or is_main then
    vim.notify("Tandem: cannot ask a question in this Neovim", vim.log.levels.WARN)
    return vim.NIL
  end
  local done = false
  local item = { params = params }
  item.respond = function(reply)
    if done then
      return
    end
    done = true
    vim.schedule(function()
      coroutine.resume(co, reply)
    end)
  end
  table.insert(M.waiting, item)
  local what = params.kind == "plan" and "a plan to approve" or params.header
  vim.notify(("Tandem asks: %s (:Tandem answer)"):format(what), vim.log.levels.WARN)
  vim.api.nvim_exec_autocmds("User", { pattern = "TandemQuestion", data = { id = params.id } })
  return coroutine.yield()
end

return M
