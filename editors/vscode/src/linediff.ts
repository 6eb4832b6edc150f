// Which lines of `a` a change to `b` removes or replaces: common prefix and
// suffix, then a longest-common-subsequence table on what is left (bounded;
// past the bound every middle line counts as removed).

const MAX_CELLS = 4_000_000;

export function removedLines(a: string[], b: string[]): number[] {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (
    suf < a.length - pre &&
    suf < b.length - pre &&
    a[a.length - 1 - suf] === b[b.length - 1 - suf]
  )
    suf++;
  const x = a.slice(pre, a.length - suf);
  const y = b.slice(pre, b.length - suf);
  const out: number[] = [];
  if (x.length * y.length > MAX_CELLS || y.length === 0) {
    for (let i = 0; i < x.length; i++) out.push(pre + i);
    return out;
  }
  // lcs[i][j]: LCS length of x[i..] and y[j..]
  const w = y.length + 1;
  const lcs = new Uint32Array((x.length + 1) * w);
  for (let i = x.length - 1; i >= 0; i--) {
    for (let j = y.length - 1; j >= 0; j--) {
      lcs[i * w + j] =
        x[i] === y[j]
          ? lcs[(i + 1) * w + j + 1] + 1
          : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
    }
  }
  let i = 0;
  let j = 0;
  while (i < x.length) {
    if (j < y.length && x[i] === y[j]) {
      i++;
      j++;
    } else if (j < y.length && lcs[i * w + j + 1] >= lcs[(i + 1) * w + j]) {
      j++;
    } else {
      out.push(pre + i);
      i++;
    }
  }
  return out;
}

export function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}
