"""A ledger (`gradebook.reports.ledger.Ledger`) as JSON data and back, exactly: the parts of a ledger built
in parts keep their slice of the data in the database (`ReportJobPart.data`), so that every part shows
the same moment however late it runs. Plain lists, numbers, strings and ISO dates; no pickle.

The texts were translated when the data was taken (cells, labels); categories are labelled when rendered.
"""

from dataclasses import asdict
from datetime import date

from gradebook.reports.figures import Figures, Standing
from gradebook.reports.ledger import ClassLedger, GradeTotal, Ledger, LedgerScope, StudentRow, SubjectColumn


def ledger_to_json(ledger: Ledger) -> dict:
    return {
        "school_name": ledger.school_name,
        "title": ledger.title,
        "scope": asdict(ledger.scope),
        "period_text": ledger.period_text,
        "made_on": ledger.made_on.isoformat(),
        "classes": [_class_to_json(c) for c in ledger.classes],
        "grades": [[g.grade, g.label, g.classes, _figures_to_json(g.figures)] for g in ledger.grades],
        "school": _figures_to_json(ledger.school) if ledger.school is not None else None,
    }


def ledger_from_json(data: dict) -> Ledger:
    return Ledger(
        school_name=data["school_name"],
        title=data["title"],
        scope=LedgerScope(**data["scope"]),
        period_text=data["period_text"],
        made_on=date.fromisoformat(data["made_on"]),
        classes=tuple(_class_from_json(c) for c in data["classes"]),
        grades=tuple(
            GradeTotal(grade, label, classes, _figures_from_json(figures))
            for grade, label, classes, figures in data["grades"]
        ),
        school=_figures_from_json(data["school"]) if data["school"] is not None else None,
    )


def _class_to_json(c: ClassLedger) -> dict:
    return {
        "id": c.id,
        "name": c.name,
        "grade": c.grade,
        "teacher": c.teacher,
        "subjects": [[s.id, s.name, s.short_name, s.scale] for s in c.subjects],
        "students": [
            [
                s.id,
                s.name,
                list(s.cells),
                _standing_to_json(s.standing) if s.standing is not None else None,
                s.left_on.isoformat() if s.left_on is not None else None,
            ]
            for s in c.students
        ],
        "figures": _figures_to_json(c.figures),
    }


def _class_from_json(data: dict) -> ClassLedger:
    return ClassLedger(
        id=data["id"],
        name=data["name"],
        grade=data["grade"],
        teacher=data["teacher"],
        subjects=tuple(SubjectColumn(*s) for s in data["subjects"]),
        students=tuple(
            StudentRow(
                id=pk,
                name=name,
                cells=tuple(cells),
                standing=_standing_from_json(standing) if standing is not None else None,
                left_on=date.fromisoformat(left_on) if left_on is not None else None,
            )
            for pk, name, cells, standing, left_on in data["students"]
        ),
        figures=_figures_from_json(data["figures"]),
    )


def _standing_to_json(standing: Standing) -> list:
    return [list(standing.marks), standing.results, standing.failed_courses, standing.not_attested_in]


def _standing_from_json(values: list) -> Standing:
    marks, results, failed_courses, not_attested_in = values
    return Standing(tuple(marks), results, failed_courses, not_attested_in)


def _figures_to_json(figures: Figures) -> dict:
    return asdict(figures)


def _figures_from_json(data: dict) -> Figures:
    return Figures(**{**data, "marks": tuple(data["marks"])})
