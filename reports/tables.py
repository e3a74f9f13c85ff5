"""A report's numbers as tables: the one shape the page's accessible table, its chart, its CSV
export and the report API all read, so the four always say the same."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

# How a column's values read: a count, a share in per cent, days, credit (a fraction of a
# lead), money, or text.
KINDS = ("text", "count", "percent", "days", "credit", "money")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "count"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Unknown column kind {self.kind!r}")


@dataclass(frozen=True)
class Chart:
    """How the page draws a table: ``kind`` is bar, line or heatmap; ``x`` the column whose
    values are the categories; ``series`` the columns drawn (for a heat map: the y category
    column, then the value column)."""

    kind: str
    x: str
    series: tuple[str, ...]
    horizontal: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    caption: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]
    chart: Chart | None = None
    note: str = ""
    footer: tuple[Any, ...] | None = field(default=None)  # a totals row, if any
    empty: str = "Nothing to count in this period"  # said instead of a table without rows

    @property
    def cells(self) -> list[list[tuple[Any, Column]]]:
        """The rows as (value, its column) pairs, for the page's table."""
        return [list(zip(row, self.columns, strict=True)) for row in self.rows]

    @property
    def footer_cells(self) -> list[tuple[Any, Column]]:
        return list(zip(self.footer, self.columns, strict=True)) if self.footer else []

    def column(self, key: str) -> int:
        return next(i for i, column in enumerate(self.columns) if column.key == key)

    @property
    def all_rows(self) -> tuple[tuple[Any, ...], ...]:
        return (*self.rows, self.footer) if self.footer is not None else self.rows

    def chart_data(self) -> dict | None:
        """What the page's chart script draws: the categories, and each series' label and
        values (numbers or null)."""
        if self.chart is None:
            return None
        x = self.column(self.chart.x)
        data: dict[str, Any] = {
            "kind": self.chart.kind,
            "horizontal": self.chart.horizontal,
            "categories": [str(row[x]) for row in self.rows],
        }
        if self.chart.kind == "heatmap":
            y, value = (self.column(key) for key in self.chart.series)
            data["y_categories"] = sorted({str(row[y]) for row in self.rows})
            data["points"] = [[str(row[x]), str(row[y]), plain(row[value])] for row in self.rows]
            data["categories"] = sorted(set(data["categories"]))
            data["label"] = self.columns[value].label
            return data
        data["series"] = [
            {
                "label": self.columns[self.column(key)].label,
                "unit": self.columns[self.column(key)].kind,
                "values": [plain(row[self.column(key)]) for row in self.rows],
            }
            for key in self.chart.series
        ]
        return data

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "title": self.title,
            "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in self.columns],
            "rows": [
                {c.key: plain(value) for c, value in zip(self.columns, row, strict=True)}
                for row in self.all_rows
            ],
        }

    def csv(self) -> str:
        """The table as CSV: its header and every row as the page shows them, in plain
        numbers (no thousands separators, shares in per cent, money in the unit)."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([column.label for column in self.columns])
        for row in self.all_rows:
            writer.writerow([text(value, column.kind) for column, value in zip(self.columns, row, strict=True)])  # fmt: skip
        return out.getvalue()


def plain(value: Any) -> Any:
    """A value as JSON carries it: decimals as floats, the rest as it is."""
    if isinstance(value, Decimal):
        return float(value)
    return value


def text(value: Any, kind: str) -> str:
    """A value as the table and the CSV write it, without thousands separators."""
    if value is None:
        return ""
    if kind == "count":
        return f"{value:g}" if isinstance(value, float) else str(value)
    if kind in ("percent", "days"):
        return f"{float(value):.1f}"
    if kind == "credit":
        return f"{float(value):.2f}"
    if kind == "money":
        return f"{Decimal(value):.2f}"
    return str(value)
