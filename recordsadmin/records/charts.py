"""Where the overview chart's shapes go (templates/records/_chart.html draws them as SVG).

One horizontal bar per figure, its label on the left and its count at its end: long option
names stay readable and a phone's width holds them. Coordinates are in the SVG's own units
(its viewBox); the SVG is as wide as its box and scales with it. Colours are not decided
here: the stylesheet (static/css/charts.css) gives them from the theme's variables.
"""

from dataclasses import dataclass

from recordsadmin.records.services.charts import Bar, Chart

WIDTH = 340
ROW = 26  # from one bar's top to the next's
BAR = 18  # a bar's thickness
LABELS = 116  # the labels' column, right-aligned against the bars
COUNTS = 56  # room right of the longest bar for its count
TOP = 4
LABEL_CHARACTERS = 16


@dataclass(frozen=True)
class Row:
    bar: Bar
    label: str
    top: int
    bar_top: int
    baseline: int
    width: float
    count_x: float


@dataclass(frozen=True)
class Drawing:
    width: int
    height: int
    label_x: int
    bars_x: int
    rows: tuple[Row, ...]
    row: int = ROW
    bar: int = BAR


def _cut(text: str) -> str:
    return text if len(text) <= LABEL_CHARACTERS else text[: LABEL_CHARACTERS - 1] + "…"


def drawing(chart: Chart) -> Drawing:
    """The chart's rows placed in a WIDTH-wide box, the bars scaled to the highest count."""
    room = WIDTH - LABELS - COUNTS
    highest = chart.highest or 1
    rows = []
    for index, bar in enumerate(chart.bars):
        top = TOP + index * ROW
        width = round(room * (bar.count or 0) / highest, 1)
        rows.append(
            Row(
                bar=bar,
                label=_cut(bar.label),
                top=top,
                bar_top=top + (ROW - BAR) // 2,
                baseline=top + ROW // 2 + 5,
                width=width,
                count_x=LABELS + width + 6,
            )
        )
    height = TOP * 2 + ROW * len(rows)
    return Drawing(WIDTH, height, LABELS - 8, LABELS, tuple(rows))
