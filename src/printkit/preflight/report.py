"""A kit's preflight as a coordinator reads it: preflight.json for tools, and
preflight.html, one self-contained page showing every page checked as a small picture with
each finding outlined on it and listed beside it."""

from __future__ import annotations

import base64
import json
from collections import Counter
from collections.abc import Sequence
from html import escape

from printkit.preflight.findings import Checked, Rules

RULES = {  # rule -> what it checks, in a coordinator's words
    "type-size": "text no smaller than the floor for its page (a card's, or a page's)",
    "body-size": "body text at the kit's size or larger",
    "contrast": "every text run against the colour printed under it (WCAG 2.1 AA)",
    "safe-area": "text far enough inside the trim that a cut cannot touch it",
    "marks": "crop marks outside an office printer's unprintable edge",
    "bleed": "art that touches the trim runs on into the bleed (press files)",
    "near-empty": "no page left nearly empty by accident",
    "stranded-heading": "no heading left alone at the foot of a page",
    "font": "fonts embedded, subset, and with a ToUnicode map",
    "image": "images at 300 ppi or more as placed",
    "conformance": "a file that claims PDF/UA-1 (tagged for screen readers) or PDF/A-2b "
                   "passes an independent validator",
    "reads-apart": "letter-spaced words read back as words, not letter by letter",
}


def as_json(kit_id: str, rules: Rules, checked: Sequence[Checked]) -> bytes:
    data = {
        "kit": kit_id,
        "rules": {"body": rules.body, "smallest": rules.smallest,
                  "card_smallest": rules.card_smallest, "contrast": rules.contrast,
                  "large_contrast": rules.large_contrast, "safe_in": round(rules.safe / 72, 3),
                  "ppi": rules.ppi},
        "files": [{"file": c.name, "pages": len(c.sizes),
                   "findings": [f.as_json() for f in c.findings]} for c in checked],
        "findings": sum(len(c.findings) for c in checked),
    }
    return (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode()


STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; color: #1b2a41; margin: 0 auto; max-width: 1100px;
       padding: 24px; }
h1 { font-size: 26px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 32px 0 8px; }
.ok { color: #1d6b4f; font-weight: 700; } .bad { color: #a3321f; font-weight: 700; }
.checks { columns: 2; font-size: 13px; color: #44546a; padding-left: 18px; }
.pages { display: flex; flex-wrap: wrap; gap: 14px; }
figure { margin: 0; } figcaption { font-size: 12px; color: #44546a; text-align: center; }
.page { position: relative; box-shadow: 0 1px 4px #0004; background: #fff; }
.page img { display: block; width: 100%; height: 100%; }
.box { position: absolute; outline: 2px solid #d62d20; outline-offset: 1px; }
.box span { position: absolute; left: -2px; top: -20px; background: #d62d20; color: #fff;
            font: 700 11px/16px system-ui, sans-serif; padding: 0 4px; border-radius: 3px; }
ol.found { font-size: 14px; } ol.found li { margin: 2px 0; }
.quiet { color: #44546a; font-size: 13px; }
"""

THUMB_WIDTH = 150  # px on screen for a Letter-width page


def as_html(kit_id: str, title: str, checked: Sequence[Checked]) -> bytes:
    total = sum(len(c.findings) for c in checked)
    pages = sum(len(c.sizes) for c in checked)
    counts = Counter(f.rule for c in checked for f in c.findings)
    out = [f"<!doctype html><html lang='en'><meta charset='utf-8'>"
           f"<title>Preflight: {escape(title)}</title><style>{STYLE}</style><body>",
           f"<h1>Preflight: {escape(title)}</h1>"]
    if total:
        found = ", ".join(f"{n} {rule}" for rule, n in counts.most_common())
        out.append(f"<p class='bad'>{total} finding{'s' if total != 1 else ''} ({found}) in "
                   f"{pages} pages of {len(checked)} files.</p>")
    else:
        out.append(f"<p class='ok'>Every page passes: {pages} pages of {len(checked)} files "
                   "checked.</p>")
    out.append("<p class='quiet'>Measured on the finished PDFs, as printed:</p><ul class='checks'>"
               + "".join(f"<li>{escape(text)}</li>" for text in RULES.values()) + "</ul>")
    for c in checked:
        out += _file(c)
    out.append("</body></html>\n")
    return "".join(out).encode()


def _file(c: Checked) -> list[str]:
    n = len(c.findings)
    state = (f"<span class='bad'>{n} finding{'s' if n != 1 else ''}</span>" if n
             else "<span class='ok'>passes</span>")
    out = [f"<h2>{escape(c.name)}: {state}</h2>"]
    numbers = {id(f): i for i, f in enumerate(c.findings, 1)}
    if c.findings:
        out.append("<ol class='found'>" + "".join(
            f"<li>{escape(f.where)}: {escape(f.message)}</li>" for f in c.findings) + "</ol>")
    shown = [i for i, t in enumerate(c.thumbnails) if t is not None]
    if not shown:
        out.append(f"<p class='quiet'>{len(c.sizes)} page{'s' if len(c.sizes) != 1 else ''} "
                   "checked.</p>")
        return out
    out.append("<div class='pages'>")
    for i in shown:
        w, h = c.sizes[i]
        width = THUMB_WIDTH * w / 612
        picture = base64.b64encode(c.thumbnails[i] or b"").decode()
        boxes = []
        for f in c.findings:
            if f.page == i + 1 and f.box is not None:
                x0, y0, x1, y1 = f.box
                boxes.append(
                    f"<div class='box' style='left:{100 * x0 / w:.2f}%;top:{100 * y0 / h:.2f}%;"
                    f"width:{100 * (x1 - x0) / w:.2f}%;height:{100 * (y1 - y0) / h:.2f}%'>"
                    f"<span>{numbers[id(f)]}</span></div>")
        out.append(f"<figure><div class='page' style='width:{width:.0f}px;"
                   f"height:{width * h / w:.0f}px'><img alt='page {i + 1}' "
                   f"src='data:image/png;base64,{picture}'>{''.join(boxes)}</div>"
                   f"<figcaption>p.{i + 1}</figcaption></figure>")
    out.append("</div>")
    return out
