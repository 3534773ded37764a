"""Draws the favicon (the letter «م» in white on the brand green) from the vendored Vazirmatn font:
mardom/core/static/core/favicon.svg (a path, no font needed to show it) and favicon.ico (16, 32, 48 px).
Run once after changing the mark: `.venv/bin/python scripts/make-favicon.py`."""

from pathlib import Path

from fontTools.pens.boundsPen import BoundsPen
from fontTools.pens.svgPathPen import SVGPathPen
from fontTools.pens.transformPen import TransformPen
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
FONT = ROOT / "mardom/core/static/vendor/vazirmatn/Vazirmatn-Bold.ttf"
OUT = ROOT / "mardom/core/static/core"
GREEN, WHITE, LETTER = "#0f6b5c", "#ffffff", "\u0645"  # the brand colour of mardom.css

font = TTFont(FONT)
glyphs = font.getGlyphSet()
name = font.getBestCmap()[ord(LETTER)]
bounds = BoundsPen(glyphs)
glyphs[name].draw(bounds)
x0, y0, x1, y1 = bounds.bounds
scale = 40 / max(x1 - x0, y1 - y0)
# Centre the glyph in a 64x64 box; font units have y upwards, SVG downwards.
dx = 32 - (x0 + x1) / 2 * scale
dy = 32 + (y0 + y1) / 2 * scale
path = SVGPathPen(glyphs)
glyphs[name].draw(TransformPen(path, (scale, 0, 0, -scale, dx, dy)))
(OUT / "favicon.svg").write_text(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
    f'<rect width="64" height="64" rx="14" fill="{GREEN}"/><path fill="{WHITE}" d="{path.getCommands()}"/></svg>\n'
)

big = Image.new("RGBA", (256, 256), (0, 0, 0, 0))
draw = ImageDraw.Draw(big)
draw.rounded_rectangle((0, 0, 255, 255), radius=56, fill=GREEN)
draw.text((128, 128), LETTER, font=ImageFont.truetype(str(FONT), 170), fill=WHITE, anchor="mm")
big.save(OUT / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])
print("wrote", OUT / "favicon.svg", OUT / "favicon.ico")
