-- What the headless Neovim tests share (loaded with dofile from the test's
-- own folder): the result written for tests/tests/editor_nvim.rs, checks
-- that record instead of stopping, waits with a deadline, and the end that
-- writes the result and quits.
local H = {}

--- A new result: `fields` are the test's own lists (notifications, …).
function H.result(fields)
  local r = { checks = {}, failures = {} }
  for _, f in ipairs(fields or {}) do
    r[f] = {}
  end
  return r
end

--- `check(name, ok, detail)` recording into `result`.
function H.checker(result)
  return function(name, ok, detail)
    table.insert(result.checks, { name = name, ok = ok and true or false })
    if not ok then
      table.insert(result.failures, name .. (detail and (": " .. vim.inspect(detail)) or ""))
    end
    return ok
  end
end

--- `wait(what, cond, ms)`: poll `cond` until it holds, else fail the test.
function H.waiter(default_ms)
  return function(what, cond, ms)
    if not vim.wait(ms or default_ms or 20000, cond, 20) then
      error("timed out waiting for " .. what, 2)
    end
  end
end

function H.lines(buf)
  return vim.api.nvim_buf_get_lines(buf, 0, -1, false)
end

--- Record what the user is told (`result.notifications`) and offered
--- (`result.selects`); `pick(titles)` says which offer to take (default
--- the first; nil: none, as a user pressing Escape).
function H.capture(result, pick)
  local notify = vim.notify
  vim.notify = function(msg, level, opts)
    table.insert(result.notifications, msg)
    return notify(msg, level, opts)
  end
  vim.ui.select = function(items, opts, on_choice)
    local titles = {}
    for _, item in ipairs(items) do
      table.insert(titles, opts.format_item and opts.format_item(item) or tostring(item))
    end
    table.insert(result.selects, { prompt = opts.prompt, kind = opts.kind, items = titles })
    local i = 1
    if pick then
      i = pick(titles)
    end
    if i then
      on_choice(items[i], i)
    else
      on_choice(nil, nil)
    end
  end
end

function H.write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

--- A screenshot scene that went wrong: say why in TANDEM_RESULT, quit.
function H.fail(message)
  H.write(vim.env.TANDEM_RESULT, message .. "\n" .. vim.fn.execute("messages"))
  vim.cmd("qa!")
end

--- Run `main`, record an error as a failure, write the result, quit.
function H.run(result, main)
  local ok, err = xpcall(main, debug.traceback)
  if not ok then
    table.insert(result.failures, "error: " .. tostring(err))
  end
  result.messages = vim.fn.execute("messages")
  local f = assert(io.open(vim.env.TANDEM_RESULT, "w"))
  f:write(vim.json.encode(result))
  f:close()
  vim.cmd("qa!")
end

return H
