"""Template helpers of the report pages and PDFs: the figures' headers and texts (gradebook.reports.labels)."""

from django import template

from gradebook.reports.labels import figure_columns, figure_texts

register = template.Library()


@register.simple_tag
def figure_headers() -> list[str]:
    """`{% figure_headers as headers %}`: the headers of the figure columns."""
    return [header for header, _name, _kind in figure_columns()]


@register.filter
def figure_cells(figures) -> list[str]:
    """`{% for text in figures|figure_cells %}`: the figures as shown, «—» where undefined."""
    return figure_texts(figures)
