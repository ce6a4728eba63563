"""Template tags for state exam results (ГИА)."""

from django import template

from gradebook.exam_selectors import student_state_exams

register = template.Library()


@register.simple_tag
def state_exams(student) -> list:
    """`{% state_exams student as exams %}`: the student's results, oldest first (one query).

    The page that uses it has already checked that the viewer may see this student."""
    return student_state_exams(student=student)
