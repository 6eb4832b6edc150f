"""Render a terminal capture (`tmux capture-pane -e -p -N`) to a PNG.

    python3 render_ansi.py CAPTURE.ansi OUT.png COLUMNS ROWS

Understands SGR escapes (bold, italic, underline, reverse, 16/256/24-bit
colours); everything else is text. Needs Pillow. Uses DejaVu Sans Mono when
it is installed, else Pillow's built-in font (each character is placed in its
own cell, so the grid holds either way).
"""

import re
import sys
import unicodedata

from PIL import Image, ImageDraw, ImageFont

DEFAULT_FG = (224, 226, 234)
DEFAULT_BG = (20, 22, 27)
BASIC = [
    (0, 0, 0), (205, 49, 49), (13, 188, 121), (229, 229, 16),
    (36, 114, 200), (188, 63, 188), (17, 168, 205), (229, 229, 229),
    (102, 102, 102), (241, 76, 76), (35, 209, 139), (245, 245, 67),
    (59, 142, 234), (214, 112, 214), (41, 184, 219), (255, 255, 255),
]
FONT_DIRS = [
    "/usr/share/fonts/truetype/dejavu/",
    "/usr/share/fonts/dejavu/",
    "/usr/share/fonts/TTF/",
]


def palette(n):
    if n < 16:
        return BASIC[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    level = 8 + (n - 232) * 10
    return (level, level, level)


def font(name, size):
    for d in FONT_DIRS:
        try:
            return ImageFont.truetype(d + name, size)
        except OSError:
            continue
    try:
        return ImageFont.load_default(size=size)
    except TypeError:
        return ImageFont.load_default()


class Pen:
    def __init__(self):
        self.reset()

    def reset(self):
        self.fg = None
        self.bg = None
        self.bold = self.italic = self.underline = self.reverse = False

    def apply(self, params):
        ps = [int(p) if p.isdigit() else 0 for p in re.split("[;:]", params or "0")]
        i = 0
        while i < len(ps):
            p = ps[i]
            if p == 0:
                self.reset()
            elif p == 1:
                self.bold = True
            elif p == 3:
                self.italic = True
            elif p in (4, 21):
                self.underline = True
            elif p == 7:
                self.reverse = True
            elif p == 22:
                self.bold = False
            elif p == 23:
                self.italic = False
            elif p == 24:
                self.underline = False
            elif p == 27:
                self.reverse = False
            elif 30 <= p <= 37:
                self.fg = BASIC[p - 30]
            elif 90 <= p <= 97:
                self.fg = BASIC[p - 90 + 8]
            elif 40 <= p <= 47:
                self.bg = BASIC[p - 40]
            elif 100 <= p <= 107:
                self.bg = BASIC[p - 100 + 8]
            elif p == 39:
                self.fg = None
            elif p == 49:
                self.bg = None
            elif p in (38, 48) and i + 1 < len(ps):
                if ps[i + 1] == 5 and i + 2 < len(ps):
                    colour = palette(ps[i + 2])
                    i += 2
                elif ps[i + 1] == 2 and i + 4 < len(ps):
                    colour = tuple(ps[i + 2:i + 5])
                    i += 4
                else:
                    colour = None
                if p == 38:
                    self.fg = colour
                else:
                    self.bg = colour
            i += 1

    def colours(self):
        fg, bg = self.fg or DEFAULT_FG, self.bg or DEFAULT_BG
        return (bg, fg) if self.reverse else (fg, bg)


TOKEN = re.compile(r"\x1b\[([0-9;:?]*)([A-Za-z])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b.")


def parse(text, columns, rows):
    grid = [[(" ", DEFAULT_FG, DEFAULT_BG, False, False)] * columns for _ in range(rows)]
    pen = Pen()
    for y, line in enumerate(text.split("\n")[:rows]):
        x, pos = 0, 0
        row = list(grid[y])
        while pos < len(line):
            m = TOKEN.match(line, pos)
            if m:
                if m.group(2) == "m":
                    pen.apply(m.group(1))
                pos = m.end()
                continue
            ch = line[pos]
            pos += 1
            if x >= columns:
                continue
            fg, bg = pen.colours()
            row[x] = (ch, fg, bg, pen.bold, pen.underline)
            x += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
        # The rest of the line keeps the background it ended with.
        _, bg = pen.colours()
        for rest in range(x, columns):
            row[rest] = (" ", DEFAULT_FG, bg, False, False)
        grid[y] = row
    return grid


def render(grid, out, size=16):
    regular = font("DejaVuSansMono.ttf", size)
    bold = font("DejaVuSansMono-Bold.ttf", size)
    try:
        cell_w = round(regular.getlength("M"))
    except AttributeError:
        cell_w = regular.getsize("M")[0]
    cell_h = round(size * 1.3)
    pad = 12
    columns, rows = len(grid[0]), len(grid)
    img = Image.new("RGB", (columns * cell_w + 2 * pad, rows * cell_h + 2 * pad), DEFAULT_BG)
    draw = ImageDraw.Draw(img)
    for y, row in enumerate(grid):
        for x, (ch, fg, bg, is_bold, underline) in enumerate(row):
            left, top = pad + x * cell_w, pad + y * cell_h
            if bg != DEFAULT_BG:
                draw.rectangle([left, top, left + cell_w - 1, top + cell_h - 1], fill=bg)
            if ch != " ":
                draw.text((left, top + 2), ch, font=bold if is_bold else regular, fill=fg)
            if underline:
                draw.line([left, top + cell_h - 2, left + cell_w, top + cell_h - 2], fill=fg)
    img.save(out)


def main():
    capture, out, columns, rows = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    with open(capture, encoding="utf-8", errors="replace") as f:
        text = f.read()
    render(parse(text, columns, rows), out)


if __name__ == "__main__":
    main()
