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
  -- Outside a coroutine only a synchronous picker can answer.
  local answer, answered = vim.NIL, false
  vim.ui.select(actions, select_opts(params), function(choice)
    answer, answered = choice or vim.NIL, true
  end)
  if not answered then
    vim.wait(120000, function()
      return answered
    end, 50)
  end
  return answer
end

return M
