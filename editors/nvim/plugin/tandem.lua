-- Tandem: an AI pair programmer in a language server. `:help tandem`.
if vim.g.loaded_tandem then
  return
end
vim.g.loaded_tandem = true

if vim.fn.has("nvim-0.10") ~= 1 then
  vim.notify("Tandem needs Neovim 0.10 or newer", vim.log.levels.WARN)
  return
end

vim.api.nvim_create_user_command("Tandem", function(opts)
  require("tandem.commands").run(opts)
end, {
  nargs = "+",
  bang = true,
  range = true,
  complete = function(...)
    return require("tandem.commands").complete(...)
  end,
  desc = "Tandem: ask, task, tasks, steer, cancel, approve, answer, accept[!], reject[!], rerun, review, log, diff, next, prev",
})
