"""The standard report figures (DESIGN.md §4), computed by hand for small groups whose answer is known."""

from decimal import Decimal

import pytest

from gradebook.reports.figures import (
    Category,
    Figures,
    Result,
    figures_of,
    figures_sum,
    standing_of,
)

NA = Result(not_attested=True)
PASS = Result(passed=True)
FAIL = Result(passed=False)


def marks(*values):
    return [Result(value=v) for v in values]


@pytest.mark.parametrize(
    ("results", "categories"),
    [
        (marks(5, 5, 5), (Category.EXCELLENT,)),
        (marks(5, 4, 5), (Category.ONE_FOUR,)),
        (marks(4, 4, 5), (Category.GOOD,)),
        (marks(3, 4, 5), (Category.ONE_THREE,)),
        (marks(3, 3, 5), (Category.SATISFACTORY,)),
        (marks(2, 5, 5), (Category.FAILING,)),
        ([*marks(5, 5), NA], (Category.NOT_ATTESTED,)),
        ([*marks(2, 5), NA], (Category.FAILING, Category.NOT_ATTESTED)),
        ([*marks(5, 5), PASS], (Category.EXCELLENT,)),
        ([*marks(5, 5), FAIL], (Category.FAILING,)),
        ([PASS, PASS], (Category.SATISFACTORY,)),
        ([], ()),
        ([None, None], ()),
    ],
)
def test_a_student_is_classified_by_their_results(results, categories):
    assert standing_of(results).categories == categories


def test_one_four_is_a_good_student_and_one_three_is_not():
    one_four = standing_of(marks(5, 5, 4))
    one_three = standing_of(marks(5, 4, 3))
    assert (one_four.good, one_four.one_four, one_four.excellent) == (True, True, False)
    assert (one_three.good, one_three.one_three) == (False, True)


def test_a_mark_of_one_fails_like_a_two():
    assert standing_of(marks(1, 5)).failing


def test_no_numeric_mark_is_never_excellent_or_good():
    passed_only = standing_of([PASS, PASS])
    assert passed_only.assessed and passed_only.passing
    assert not (passed_only.excellent or passed_only.good or passed_only.one_three or passed_only.one_four)


def test_figures_of_a_class_with_every_category():
    # Seven students, three subjects each, the marks chosen by hand:
    students = [
        standing_of(marks(5, 5, 5)),  # отличник
        standing_of(marks(5, 5, 4)),  # хорошист, с одной «4»
        standing_of(marks(4, 4, 5)),  # хорошист
        standing_of(marks(3, 4, 5)),  # с одной «3»
        standing_of(marks(3, 3, 4)),  # успевает
        standing_of(marks(2, 3, 4)),  # неуспевающий
        standing_of([*marks(4, 5), NA]),  # н/а
    ]
    f = figures_of(students)
    assert (f.students, f.assessed, f.passing) == (7, 7, 5)
    assert (f.excellent, f.good, f.one_three, f.one_four, f.failing, f.not_attested) == (1, 2, 1, 1, 1, 1)
    # marks of every assessed student, the н/а one's too: 5×8, 4×7, 3×4, 2×1 = 20 marks
    assert f.marks == (0, 1, 4, 7, 8)
    assert f.success == Decimal("71.43")  # 5 / 7 = 71.428…
    assert f.quality == Decimal("42.86")  # 3 / 7 = 42.857…
    # (8·100 + 7·64 + 4·36 + 1·16) / 20 = (800 + 448 + 144 + 16) / 20 = 1408 / 20
    assert f.sou == Decimal("70.40")
    # (40 + 28 + 12 + 2) / 20 = 82 / 20
    assert f.mean == Decimal("4.10")


def test_a_student_failing_and_not_attested_counts_in_both_and_once_among_the_unsuccessful():
    f = figures_of([standing_of([*marks(2, 5), NA]), standing_of(marks(5, 5))])
    assert (f.failing, f.not_attested, f.passing) == (1, 1, 1)
    assert f.success == Decimal("50.00")


def test_a_failed_pass_fail_course_is_an_academic_failure():
    f = figures_of([standing_of([*marks(5, 5), FAIL]), standing_of([*marks(5, 4), PASS])])
    assert (f.failing, f.excellent, f.good, f.passing) == (1, 0, 1, 1)
    assert f.success == Decimal("50.00")
    assert f.quality == Decimal("50.00")
    assert f.marks == (0, 0, 0, 1, 3)  # pass/fail results are not marks


def test_rounding_is_half_up_to_two_decimals():
    # 1 / 8 = 12.5 %; 2/3 = 66.666… → 66.67; mean of 4, 5 = 4.5 → 4.50; SOU of 5, 4, 4 = 76 exactly.
    assert figures_of([standing_of(marks(5))] + [standing_of(marks(3))] * 7).quality == Decimal("12.50")
    assert figures_of(
        [standing_of(marks(5)), standing_of(marks(4)), standing_of(marks(2))]
    ).success == Decimal("66.67")
    assert figures_of([standing_of(marks(4, 5))]).mean == Decimal("4.50")
    assert figures_of([standing_of(marks(5, 4, 4))]).sou == Decimal("76.00")
    # 0.125 rounds half up: the mean of 3, 3, 3, 3, 3, 3, 3, 4 = 3.125 → 3.13
    assert figures_of([standing_of(marks(3, 3, 3, 3, 3, 3, 3, 4))]).mean == Decimal("3.13")


def test_a_grade_1_class_has_no_numeric_figures():
    # Grade 1's results are not marks: the ledger passes none to the figures.
    f = figures_of([standing_of([]), standing_of([])])
    assert (f.students, f.assessed) == (2, 0)
    assert (f.success, f.quality, f.sou, f.mean) == (None, None, None, None)


def test_an_empty_term_gives_zeros_and_no_percentages():
    f = figures_of([standing_of([None, None])] * 3)
    assert (f.students, f.excellent, f.good, f.failing, f.not_attested) == (3, 0, 0, 0, 0)
    assert (f.success, f.quality, f.sou, f.mean) == (None, None, None, None)


def test_no_students_no_figures():
    f = figures_of([])
    assert f == Figures()
    assert (f.students, f.success, f.quality, f.sou, f.mean) == (0, None, None, None, None)


def test_students_without_results_are_listed_but_not_assessed():
    f = figures_of([standing_of(marks(5, 5)), standing_of([])])
    assert (f.students, f.assessed) == (2, 1)
    assert f.success == Decimal("100.00")  # not 50: the unset journal does not count
    assert f.quality == Decimal("100.00")


def test_only_pass_fail_results_give_success_but_no_quality():
    f = figures_of([standing_of([PASS]), standing_of([FAIL])])
    assert f.success == Decimal("50.00")
    assert (f.quality, f.sou, f.mean) == (None, None, None)


def test_group_figures_add_counts_not_percentages():
    a = figures_of([standing_of(marks(5, 5)), standing_of(marks(2, 3))])  # 50 % success
    b = figures_of([standing_of(marks(4, 4))] * 3)  # 100 % success
    total = figures_sum([a, b])
    assert (total.students, total.passing, total.excellent, total.good) == (5, 4, 1, 3)
    assert total.success == Decimal("80.00")  # 4 / 5, not the mean of 50 and 100
    assert total.quality == Decimal("80.00")
    assert total.marks == (0, 1, 1, 6, 2)
    assert total.mean == Decimal("3.90")  # (2 + 3 + 24 + 10) / 10
    # SOU: (2·100 + 6·64 + 1·36 + 1·16) / 10 = (200 + 384 + 36 + 16) / 10 = 63.6
    assert total.sou == Decimal("63.60")
    assert figures_sum([]) == Figures()
