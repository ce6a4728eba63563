"""Template tags of the family pages."""

from django import template

from gradebook.family_selectors import current_week, week_marks_count

register = template.Library()


@register.simple_tag
def family_week_marks(student) -> int:
    """How many marks the child got this week (one query: a parent has few children)."""
    return week_marks_count(student=student, week_start=current_week())
