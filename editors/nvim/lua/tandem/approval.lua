-- Approvals: the server asks with `window/showMessageRequest` (Allow once /
-- Always allow / Always allow in this project / Deny); the answer is picked
-- with vim.ui.select, so any picker UI (telescope, fzf-lua, dressing…) shows it.
local M = {}

local function select_opts(params)
  return {
    prompt = params.message,
    kind = "tandem_approval",
    format_item = function(action)
      return action.title
    end,
  }
end

--- Handler for `window/showMessageRequest`.
function M.handler(_, params, _)
  local actions = params.actions or {}
  if #actions == 0 then
    vim.notify(params.message, vim.log.levels.INFO)
    return vim.NIL
  end
  local co, is_main = coroutine.running()
  if co and not is_main then
    -- Neovim runs server requests in a coroutine: answer when the user
    -- picks, without blocking the editor.
    vim.ui.select(actions, select_opts(params), function(choice)
      vim.schedule(function()
        coroutine.resume(co, choice or vim.NIL)
      end)
    end)
    return coroutine.yield()
  end
  -- Outside a coroutine (older Neovim) the answer must be known before
  -- returning: a picker that answers at once (the built-in one) is used,
  -- else the question is asked with inputlist().
  local answer, answered = vim.NIL, false
  local late = false
  vim.ui.select(actions, select_opts(params), function(choice)
    if not late then
      answer, answered = choice or vim.NIL, true
    end
  end)
  if answered then
    return answer
  end
  late = true
  local lines = { params.message }
  for i, action in ipairs(actions) do
    lines[#lines + 1] = ("%d. %s"):format(i, action.title)
  end
  local n = vim.fn.inputlist(lines)
  return actions[n] or vim.NIL
end

return M
