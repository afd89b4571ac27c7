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


# Results computed on Inception features come in two resize modes (docs/metrics.md): clean-fid's
# "clean" resize carries the suffix _clean (fid_clean, kid_std_clean...), torch-fidelity's legacy
# resize has no suffix (fid, kid_std, fid_intra_c3...). Names with _domain are on the domain
# classifier's features, where no Inception resize applies. A name's first word tells its family.
INCEPTION_RESULTS = ("fid", "kid", "is", "precision", "recall", "density", "coverage", "prd")


def resize_mode(metric: str) -> str | None:
    """"legacy" or "clean" for a result computed on Inception features, else None."""
    words = metric.split("_")
    if words[0] not in INCEPTION_RESULTS or "domain" in words:
        return None
    return "clean" if "clean" in words else "legacy"


def metric_label(metric: str, fmt: str) -> str:
    """A metric's name as a table header shows it: with its Inception resize mode, so a reader
    always knows which resize produced an FID-family column ("fid (legacy resize)", "fid_clean
    (clean resize)"). CSV keeps the bare name: programs key on it, and _clean already tells."""
    mode = resize_mode(metric)
    return f"{metric} ({mode} resize)" if mode and fmt != "csv" else metric


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
