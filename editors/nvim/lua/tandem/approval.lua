-- Approvals that typing cannot answer. The server asks with `tandem/approve`
-- (its id, the command, the working folder, the sandbox, the rule that made
-- it ask, the choices); other servers' `window/showMessageRequest` questions
-- are handled the same way.
--
-- A question is shown in a floating window that never takes the focus and
-- cannot be entered by moving between windows, plus a notification. Keys
-- the user types, in any mode, while it arrives or after, go where they
-- always went: only `:Tandem approve` answers, with an answer (`once`,
-- `session`, `project`, `deny`) at once, or without one through
-- vim.ui.select (kind "tandem_approval"). The answer names the question's
-- id, so the server ignores it for any other question.
local M = {}

-- Open questions, oldest first: { id, title, lines, choices = {{answer, title}},
-- respond = function(answer or nil), win, buf }.
M.queue = {}

local ns = vim.api.nvim_create_namespace("tandem_approval")

local function detail_lines(params)
  local lines = { ("Tandem wants to run (%s):"):format(params.tool or "?") }
  -- A buffer line cannot hold a newline: a multi-line command gets several.
  for _, l in ipairs(vim.split(params.summary or "", "\n")) do
    lines[#lines + 1] = "  " .. l
  end
  vim.list_extend(lines, {
    "",
    "folder   " .. (params.cwd or "?"),
    "sandbox  " .. (params.sandbox ~= vim.NIL and params.sandbox or "none: on your machine"),
    "why      " .. (params.reason or "?"),
    "",
    "Answer with :Tandem approve once | session | project | deny",
    "(:Tandem approve alone picks from a list)",
  })
  return lines
end

local function close(item)
  if item.win and vim.api.nvim_win_is_valid(item.win) then
    vim.api.nvim_win_close(item.win, true)
  end
  if item.buf and vim.api.nvim_buf_is_valid(item.buf) then
    vim.api.nvim_buf_delete(item.buf, { force = true })
  end
  item.win, item.buf = nil, nil
end

-- Show the oldest question (the one `:Tandem approve` answers).
local function show()
  local item = M.queue[1]
  if not item or (item.win and vim.api.nvim_win_is_valid(item.win)) then
    return
  end
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, item.lines)
  vim.bo[buf].modifiable = false
  vim.bo[buf].bufhidden = "wipe"
  local function hl(row, group)
    vim.api.nvim_buf_set_extmark(buf, ns, row, 0, { line_hl_group = group })
  end
  hl(0, "WarningMsg")
  hl(1, "Special")
  for row = #item.lines - 2, #item.lines - 1 do
    hl(row, "Comment")
  end
  -- At most 70 columns, wrapped; away from the cursor (the bottom right
  -- when the cursor is in the upper half, else the top right), so what
  -- the user is typing stays in view.
  local width = 20
  for _, l in ipairs(item.lines) do
    width = math.max(width, vim.fn.strdisplaywidth(l))
  end
  width = math.min(width, 70, math.max(20, vim.o.columns - 4))
  local height = 0
  for _, l in ipairs(item.lines) do
    height = height + math.max(1, math.ceil(vim.fn.strdisplaywidth(l) / width))
  end
  local bottom = vim.o.lines - vim.o.cmdheight - (vim.o.laststatus > 0 and 1 or 0) - 1
  local low = vim.fn.screenrow() > vim.o.lines / 2
  height = math.min(height, math.max(3, bottom - 2))
  item.buf = buf
  -- `enter = false` and `focusable = false`: neither arriving nor <C-w>w
  -- puts the cursor here, so no key typed can land in it.
  item.win = vim.api.nvim_open_win(buf, false, {
    relative = "editor",
    anchor = low and "NE" or "SE",
    row = low and 0 or bottom,
    col = vim.o.columns,
    width = width,
    height = height,
    style = "minimal",
    border = "rounded",
    title = (" Tandem approval %s "):format(item.id),
    title_pos = "center",
    focusable = false,
    noautocmd = true,
    zindex = 200,
  })
  vim.wo[item.win].wrap = true
  vim.wo[item.win].linebreak = true
  vim.wo[item.win].breakindent = true
  vim.wo[item.win].breakindentopt = "shift:9"
  if vim.api.nvim_win_text_height then
    -- Word wrapping may take more rows than the estimate: fit them.
    local rows = vim.api.nvim_win_text_height(item.win, {}).all
    vim.api.nvim_win_set_height(item.win, math.min(rows, math.max(3, bottom - 2)))
  end
  vim.wo[item.win].winhighlight = "NormalFloat:NormalFloat,FloatBorder:WarningMsg"
end

local function remove(item)
  for i, other in ipairs(M.queue) do
    if other == item then
      table.remove(M.queue, i)
      break
    end
  end
  close(item)
  show()
end

local function add(item)
  table.insert(M.queue, item)
  show()
  -- One short line: a longer one would open the hit-enter prompt, which
  -- takes the next key typed.
  local room = math.max(10, vim.o.columns - 50)
  local title = vim.fn.strcharlen(item.title) > room and (vim.fn.strcharpart(item.title, 0, room) .. "…")
    or item.title
  vim.notify(("Tandem: approval %s waiting: %s (:Tandem approve)"):format(item.id, title), vim.log.levels.WARN)
  vim.api.nvim_exec_autocmds("User", { pattern = "TandemApproval", data = { id = item.id } })
end

-- Wait for the answer of `item` inside the coroutine Neovim runs server
-- requests in; returns what `respond` was called with.
local function wait(item)
  local co, is_main = coroutine.running()
  if not co or is_main then
    -- Nothing can wait here (Neovim before 0.10): deny rather than block.
    vim.notify("Tandem: cannot ask for approval in this Neovim; denied", vim.log.levels.WARN)
    return nil
  end
  local done = false
  item.respond = function(answer)
    if done then
      return
    end
    done = true
    remove(item)
    vim.schedule(function()
      coroutine.resume(co, answer)
    end)
  end
  add(item)
  return coroutine.yield()
end

--- Handler for `tandem/approve`.
function M.on_approve(_, params, _)
  local item = {
    id = tostring(params.id),
    title = (params.summary or ""):gsub("%s+", " "),
    lines = detail_lines(params),
    choices = params.choices or {},
  }
  local answer = wait(item)
  if answer == nil then
    return vim.NIL
  end
  return { id = params.id, answer = answer }
end

--- Handler for `tandem/approvalClosed`: the server stopped waiting.
function M.on_closed(_, params, _)
  for _, item in ipairs(M.queue) do
    if item.id == tostring(params.id) then
      item.respond(nil)
      vim.notify(("Tandem: approval %s closed (%s)"):format(item.id, params.reason or ""))
      return
    end
  end
end

local generic = 0

--- Handler for `window/showMessageRequest` (servers without `tandem/approve`).
function M.handler(_, params, _)
  local actions = params.actions or {}
  if #actions == 0 then
    vim.notify(params.message, vim.log.levels.INFO)
    return vim.NIL
  end
  generic = generic + 1
  local choices = {}
  for i, action in ipairs(actions) do
    choices[i] = { answer = tostring(i), title = action.title }
  end
  local lines = vim.split(params.message, "\n")
  table.insert(lines, "")
  table.insert(lines, "Answer with :Tandem approve (picks from a list)")
  local item = { id = "m" .. generic, title = lines[1] or "", lines = lines, choices = choices }
  local answer = wait(item)
  return answer and actions[tonumber(answer)] or vim.NIL
end

--- `:Tandem approve [answer]`: answer the oldest open question.
function M.approve(answer)
  local item = M.queue[1]
  if not item then
    vim.notify("Tandem: no approval is waiting", vim.log.levels.INFO)
    return
  end
  local function by_answer(a)
    for _, c in ipairs(item.choices) do
      if c.answer == a then
        return c.answer
      end
    end
  end
  if answer and answer ~= "" then
    local chosen = by_answer(answer)
    if not chosen then
      local names = {}
      for _, c in ipairs(item.choices) do
        names[#names + 1] = c.answer
      end
      vim.notify(
        ("Tandem: %q is not an answer (one of: %s); nothing approved"):format(answer, table.concat(names, ", ")),
        vim.log.levels.ERROR
      )
      return
    end
    item.respond(chosen)
    return
  end
  vim.ui.select(item.choices, {
    prompt = table.concat(item.lines, "\n", 1, 2),
    kind = "tandem_approval",
    format_item = function(c)
      return c.title
    end,
  }, function(choice)
    -- Answer only the question that was picked for, if still open.
    if choice and M.queue[1] == item then
      item.respond(choice.answer)
    end
  end)
end

--- The answers `:Tandem approve` completes.
function M.answers()
  local item = M.queue[1]
  local out = {}
  for _, c in ipairs(item and item.choices or {}) do
    out[#out + 1] = c.answer
  end
  return out
end

return M
