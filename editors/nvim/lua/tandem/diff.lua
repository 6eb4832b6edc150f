-- `:Tandem diff`: the buffer against a scratch buffer holding the proposed
-- text (`tandem/proposedContent`), side by side in diff mode.
local client = require("tandem.client")

local M = {}

-- source buffer -> scratch buffer
local open = {}

local function show(buf, text)
  local src_win = vim.fn.bufwinid(buf)
  if src_win == -1 then
    return
  end
  local lines = vim.split(text or "", "\n", { plain = true })
  if lines[#lines] == "" then
    table.remove(lines)
  end
  local scratch = open[buf]
  if scratch and vim.api.nvim_buf_is_valid(scratch) then
    vim.bo[scratch].modifiable = true
    vim.api.nvim_buf_set_lines(scratch, 0, -1, false, lines)
    vim.bo[scratch].modifiable = false
    vim.cmd("diffupdate")
    return scratch
  end
  local ft = vim.bo[buf].filetype
  vim.api.nvim_set_current_win(src_win)
  vim.cmd("diffthis")
  vim.cmd("rightbelow vertical new")
  scratch = vim.api.nvim_get_current_buf()
  vim.bo[scratch].buftype = "nofile"
  vim.bo[scratch].bufhidden = "wipe"
  vim.bo[scratch].swapfile = false
  local name = "tandem://proposed/" .. vim.fn.fnamemodify(vim.api.nvim_buf_get_name(buf), ":.")
  pcall(vim.api.nvim_buf_set_name, scratch, name)
  vim.api.nvim_buf_set_lines(scratch, 0, -1, false, lines)
  vim.bo[scratch].modifiable = false
  vim.bo[scratch].filetype = ft
  vim.cmd("diffthis")
  open[buf] = scratch
  vim.api.nvim_create_autocmd("BufWipeout", {
    buffer = scratch,
    once = true,
    callback = function()
      open[buf] = nil
      require("tandem.inline").refresh(buf)
      local win = vim.fn.bufwinid(buf)
      if win ~= -1 then
        vim.api.nvim_win_call(win, function()
          vim.cmd("diffoff")
        end)
      end
    end,
  })
  vim.api.nvim_set_current_win(src_win)
  -- Diff mode shows the changes now: the inline drawing steps aside.
  require("tandem.inline").refresh(buf)
  return scratch
end

--- Open (or update) the diff of `buf` against its proposal.
function M.open(buf)
  buf = buf or vim.api.nvim_get_current_buf()
  local params = { uri = client.uri(buf) }
  -- The proposal of the hunk under the cursor (a task's, say), else the
  -- first that changes the file.
  if vim.api.nvim_get_current_buf() == buf then
    local h = require("tandem.inline").hunk_at(buf, vim.api.nvim_win_get_cursor(0)[1] - 1)
    params.group = h and h.group or nil
  end
  client.request(buf, "tandem/proposedContent", params, function(err, result)
    if client.report(err, "getting the proposed text") then
      return
    end
    if not result or not result.inProposal then
      vim.notify("Tandem: this file is not in the proposal", vim.log.levels.INFO)
      return
    end
    show(buf, result.exists and result.text or "")
  end)
end

function M.scratch_of(buf)
  return open[buf]
end

return M
