"""Rendering rows as markdown, LaTeX (booktabs), HTML or CSV, and which metrics are better when
lower: the primitives every table of a study is written with (tables, search tables)."""
from __future__ import annotations

import html

from tabulate import tabulate

FORMATS = {"markdown": "github", "latex": "latex_raw", "csv": None, "html": "unsafehtml"}
# (html: labels are escaped here, so tabulate must not escape the <b> of the best value again)

# Distances (and MS-SSIM, where lower means more diverse samples) are better when lower; scores
# (IS, accuracies, precision/recall, consistency) when higher.
LOWER_IS_BETTER = ("fid", "kid", "swd", "ms_ssim", "loss")


def higher_is_better(metric: str) -> bool:
    return not metric.startswith(LOWER_IS_BETTER)


def render(header: list[str], rows: list[list[str]], fmt: str) -> str:
    if fmt == "csv":
        return csv_text(header, rows)
    header, rows = escape_labels(header, rows, fmt)
    # disable_numparse: tabulate would re-format a column of plain numbers ("0.0400" -> "0.04").
    text = tabulate(rows, headers=header, tablefmt=FORMATS[fmt], disable_numparse=True) + "\n"
    return booktabs(text) if fmt == "latex" else text


def booktabs(latex: str) -> str:
    """The rules papers print (``\\usepackage{booktabs}``): top, mid and bottom rule, no \\hline."""
    lines = latex.splitlines()
    rules = [i for i, line in enumerate(lines) if line.strip() == r"\hline"]
    for i, name in zip(rules, (r"\toprule", r"\midrule")):
        lines[i] = name
    if len(rules) >= 3:
        lines[rules[-1]] = r"\bottomrule"
    return "\n".join(lines) + "\n"


def escape_labels(header: list[str], rows: list[list[str]], fmt: str) -> tuple[list[str], list[list[str]]]:
    """Escape the header and the row names (user text) for LaTeX or HTML; the cells are our own
    numbers and markup."""
    escape = {"latex": _latex_escape, "html": html.escape}.get(fmt)
    if escape is None:
        return header, rows
    return [escape(h) for h in header], [[escape(r[0])] + r[1:] for r in rows]


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    return "\n".join(",".join(_csv(x) for x in r) for r in [header] + rows) + "\n"


def _csv(value: str) -> str:
    # RFC 4180: quote a field with a comma, quote or line break, doubling its quotes
    if any(c in value for c in ',"\n\r'):
        return '"' + value.replace('"', '""') + '"'
    return value


# One pass, so the braces of \textbackslash{} are not escaped again (as a chain of replace() did).


_LATEX_SPECIALS = str.maketrans({"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "_": r"\_",
                                 "#": r"\#", "$": r"\$", "{": r"\{", "}": r"\}",
                                 "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"})


def _latex_escape(text: str) -> str:
    return text.translate(_LATEX_SPECIALS)
