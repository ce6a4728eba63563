from decimal import Decimal

import pytest

from accounts.errors import DomainError
from gradebook.models import AssessmentScale
from gradebook.rules import Thresholds, parse_mark, suggest_annual_mark, suggest_term_mark, weighted_mean

D = Decimal
RULES = Thresholds()


def test_weighted_mean_by_hand():
    # (5·1 + 3·2 + 4·1) / (1 + 2 + 1) = 15 / 4 = 3.75
    assert weighted_mean([(5, D(1)), (3, D(2)), (4, D(1))]) == D("3.75")


@pytest.mark.parametrize(
    ("marks", "expected", "mean"),
    [
        ([(5, D(1)), (5, D(1)), (4, D(1))], "5", "4.67"),
        ([(5, D(1)), (4, D(1)), (4, D(1)), (5, D(1))], "5", "4.50"),  # exactly on the threshold rounds up
        ([(5, D(1)), (4, D(1)), (4, D(1))], "4", "4.33"),
        ([(4, D(1)), (3, D(1))], "н/а", "3.50"),  # too few marks
        ([(3, D(1)), (4, D(1)), (3, D(1)), (4, D(1))], "4", "3.50"),
        ([(3, D(1)), (2, D(1)), (3, D(1)), (2, D(1))], "3", "2.50"),
        ([(2, D(1)), (2, D(1)), (3, D(1))], "2", "2.33"),
        ([(5, D(1)), (5, D(1)), (2, D(3))], "3", "3.20"),  # the контрольная weighs 3
    ],
)
def test_term_suggestion(marks, expected, mean):
    suggestion = suggest_term_mark(marks, thresholds=RULES, min_marks=3)
    assert suggestion.result == expected
    assert suggestion.mean_display == mean


def test_school_thresholds_are_used():
    strict = Thresholds(three=D("2.60"), four=D("3.60"), five=D("4.60"))
    marks = [(5, D(1)), (4, D(1)), (4, D(1)), (5, D(1))]  # 4.50
    assert suggest_term_mark(marks, thresholds=strict, min_marks=3).result == "4"


def test_no_marks_is_not_attested():
    suggestion = suggest_term_mark([], thresholds=RULES, min_marks=3)
    assert (suggestion.result, suggestion.mean) == ("н/а", None)


@pytest.mark.parametrize(
    ("terms", "expected"),
    [
        (["5", "4", "4", "5"], "5"),
        (["4", "3", "3", "4"], "4"),
        (["3", "3", "4", "3"], "3"),
        (["н/а", "4", "5", "5"], "5"),
        (["н/а"], "н/а"),
    ],
)
def test_annual_suggestion_is_the_rounded_mean_of_terms(terms, expected):
    assert suggest_annual_mark(terms, thresholds=RULES).result == expected


@pytest.mark.parametrize("raw", ["5", " 4 ", "2"])
def test_five_point_marks_parse(raw):
    assert parse_mark(raw, scale=AssessmentScale.FIVE_POINT).value == int(raw)


@pytest.mark.parametrize("raw", ["6", "0", "1", "4.5", "отл", ""])
def test_five_point_refuses_other_values(raw):
    with pytest.raises(DomainError) as refused:
        parse_mark(raw, scale=AssessmentScale.FIVE_POINT)
    assert refused.value.code == "invalid_mark"


def test_mark_1_only_when_the_school_uses_it():
    assert parse_mark("1", scale=AssessmentScale.FIVE_POINT, allow_mark_1=True).value == 1


def test_grade_one_refuses_numbers():
    with pytest.raises(DomainError) as refused:
        parse_mark("5", scale=AssessmentScale.BASIC_LEVEL)
    assert refused.value.code == "grade1_no_marks"
    assert parse_mark("в", scale=AssessmentScale.BASIC_LEVEL).passed is True
    assert parse_mark("нв", scale=AssessmentScale.BASIC_LEVEL).passed is False


def test_pass_fail_refuses_numbers():
    with pytest.raises(DomainError) as refused:
        parse_mark("4", scale=AssessmentScale.PASS_FAIL)
    assert refused.value.code == "pass_fail_only"
    assert parse_mark("зач", scale=AssessmentScale.PASS_FAIL).passed is True
    assert parse_mark("незачёт", scale=AssessmentScale.PASS_FAIL).passed is False
