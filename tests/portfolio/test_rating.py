"""The rating: points by level × result, the academic component, periods, and places with ties.

The selector tests use a hand-built past year, 2024/2025 (quarters: Q1 1.09–24.10.2024, Q2 5.11–28.12.2024),
with default points (municipal winner 20, school participant 2, interregional winner 60, school prize-winner
7, municipal participant 4) and the academic weight 10:

| student (class) | verified items (date)                     | quarter marks (math, rus) | Q1 total         | 1.09–28.12 total        |
| Петров (7А)     | mun. winner 1.10, school part. 1.12       | Q1 5,4  Q2 5,4            | 20 + 45.00 = 65  | 22 + 45.00 = 67.00      |
| Сидоров (7А)    | interreg. winner 10.10, school prize 10.12 | —                         | 60 + 0 = 60      | 67 + 0 = 67.00          |
| Иванова (7А)    | —                                          | Q1 3,3  Q2 4,4            | 0 + 30.00 = 30   | 0 + 35.00 = 35.00       |
| Кузнецова (7Б)  | mun. participant 5.10                      | Q1 5                       | 4 + 50.00 = 54   | 4 + 50.00 = 54.00       |
| Орлов (7Б)      | —                                          | annual only: 5, 4          | 0                | 0 (annual marks count only in a period holding 31.08.2025) |

Петров also has a submitted regional win and a rejected all-Russian win: neither counts.
Q1 places: school 1 Петров, 2 Сидоров, 3 Кузнецова, 4 Иванова, 5 Орлов. First half: Петров and Сидоров tie
at 67.00 → both 1st, Кузнецова 3rd («1, 1, 3»).
"""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from gradebook.journal_services import term_mark_set
from gradebook.models import Term
from gradebook.services import academic_year_create, class_subject_set, enrolment_create, school_class_create
from portfolio import rating
from portfolio.models import PortfolioItem
from portfolio.selectors import school_ranking, student_standing
from portfolio.services import ItemData, portfolio_item_create, portfolio_item_reject, rating_points_set
from tests.factories import StudentFactory

# Pure rules ------------------------------------------------------------------------------------------


def test_equal_points_share_a_place_and_the_next_is_skipped():
    places = rating.competition_places(
        {"a": Decimal(90), "b": Decimal(80), "c": Decimal(80), "d": Decimal(70)}
    )
    assert places == {"a": 1, "b": 2, "c": 2, "d": 4}


def test_academic_points_round_the_mean_to_two_decimals_first():
    assert rating.mean_mark([5, 5, 4]) == Decimal("4.67")
    assert rating.academic_points([5, 5, 4], weight=Decimal("10")) == Decimal("46.70")
    assert rating.academic_points([], weight=Decimal("10")) == Decimal("0.00")


def test_default_table_points():
    table = rating.default_table()
    assert rating.item_points(table, level="international", result="winner") == 100
    assert rating.item_points(table, level="regional", result="prize_winner") == 28
    assert rating.item_points(table, level="school", result="participant") == 2


def test_rank_groups_places_by_class_and_grade():
    period = rating.Period(date(2024, 9, 1), date(2024, 10, 1))
    entrants = [
        rating.Entrant(1, "A", class_id=10, class_name="7А", grade=7, item_points=10),
        rating.Entrant(2, "B", class_id=11, class_name="7Б", grade=7, item_points=20),
        rating.Entrant(3, "C", class_id=12, class_name="8А", grade=8, item_points=10, marks=(5,)),
    ]
    ranking = rating.rank(entrants, period=period, weight=Decimal("10"))
    a, b, c = (ranking.of(i) for i in (1, 2, 3))
    assert (c.total, c.school_place, c.grade_place, c.class_place) == (Decimal("60.00"), 1, 1, 1)
    assert (b.school_place, b.grade_place, b.class_place, b.class_size) == (2, 1, 1, 1)
    assert (a.school_place, a.grade_place, a.grade_size) == (3, 2, 2)


def test_a_period_must_not_end_before_it_starts():
    with pytest.raises(ValueError):
        rating.Period(date(2024, 10, 2), date(2024, 10, 1))


# The selector on a hand-built past year ------------------------------------------------------------------


Q1 = rating.Period(date(2024, 9, 1), date(2024, 10, 24))
FIRST_HALF = rating.Period(date(2024, 9, 1), date(2024, 12, 28))
WHOLE_YEAR = rating.Period(date(2024, 9, 1), date(2025, 8, 31))


@pytest.fixture
def past(world):
    year = academic_year_create(start_year=2024)
    a = school_class_create(academic_year=year, grade=7, letter="А")
    b = school_class_create(academic_year=year, grade=7, letter="Б")
    math, rus = world.math_a.subject, world.russian_a.subject
    subjects = {
        (c.pk, s.pk): class_subject_set(school_class=c, subject=s) for c in (a, b) for s in (math, rus)
    }
    q1, q2 = (Term.objects.get(academic_year=year, scheme="quarter", number=n) for n in (1, 2))
    people = {}
    for name, school_class in (("Петров", a), ("Сидоров", a), ("Иванова", a), ("Кузнецова", b), ("Орлов", b)):
        people[name] = StudentFactory(last_name=name)
        enrolment_create(student=people[name], school_class=school_class, start_date=year.start_date)

    def mark(student, school_class, subject, value, term=None):
        kind = "term" if term else "annual"
        cs = subjects[(school_class.pk, subject.pk)]
        term_mark_set(
            user=world.teacher, class_subject=cs, student=student, kind=kind, term=term, raw=str(value)
        )

    def item(student, on, level, result, verify=True, **extra):
        data = ItemData(
            kind="olympiad", title=f"{level} {result}", date=on, level=level, result=result, **extra
        )
        return portfolio_item_create(user=world.deputy, student=student, data=data, verify=verify)

    p, s, i, k, o = (people[n] for n in ("Петров", "Сидоров", "Иванова", "Кузнецова", "Орлов"))
    for subject, v1, v2 in ((math, 5, 5), (rus, 4, 4)):
        mark(p, a, subject, v1, q1)
        mark(p, a, subject, v2, q2)
    for subject in (math, rus):
        mark(i, a, subject, 3, q1)
        mark(i, a, subject, 4, q2)
    mark(k, b, math, 5, q1)
    mark(o, b, math, 5)
    mark(o, b, rus, 4)
    item(p, date(2024, 10, 1), "municipal", "winner")
    item(p, date(2024, 12, 1), "school", "participant")
    item(p, date(2024, 10, 2), "regional", "winner", verify=False)
    rejected = item(p, date(2024, 10, 3), "all_russian", "winner")
    portfolio_item_reject(user=world.deputy, item=rejected, reason="не подтверждено")
    item(s, date(2024, 10, 10), "interregional", "winner")
    item(s, date(2024, 12, 10), "school", "prize_winner")
    item(k, date(2024, 10, 5), "municipal", "participant")
    return people


def totals(ranking) -> dict[str, tuple]:
    return {s.name.split()[0]: (s.total, s.school_place, s.class_place) for s in ranking.standings}


def test_first_quarter_by_hand(past):
    assert totals(school_ranking(period=Q1)) == {
        "Петров": (Decimal("65.00"), 1, 1),
        "Сидоров": (Decimal("60.00"), 2, 2),
        "Кузнецова": (Decimal("54.00"), 3, 1),
        "Иванова": (Decimal("30.00"), 4, 3),
        "Орлов": (Decimal("0.00"), 5, 2),
    }


def test_first_half_ties_share_the_first_place(past):
    result = totals(school_ranking(period=FIRST_HALF))
    assert result["Петров"] == (Decimal("67.00"), 1, 1)
    assert result["Сидоров"] == (Decimal("67.00"), 1, 1)
    assert result["Кузнецова"] == (Decimal("54.00"), 3, 1)
    assert result["Иванова"] == (Decimal("35.00"), 4, 3)


def test_annual_marks_count_when_the_period_has_no_term_marks_of_the_student(past):
    ranking = school_ranking(period=WHOLE_YEAR)
    orlov = next(s for s in ranking.standings if s.name.startswith("Орлов"))
    assert (orlov.mean, orlov.academic) == (Decimal("4.50"), Decimal("45.00"))
    assert orlov.grade_size == 5 and orlov.class_size == 2


def test_the_deputys_table_changes_the_points(past, world):
    table = rating.default_table() | {("municipal", "winner"): 25}
    rating_points_set(user=world.deputy, table=table, academic_weight="20")
    petrov = totals(school_ranking(period=Q1))["Петров"]
    assert petrov[0] == Decimal("25") + Decimal("90.00")


def test_a_bad_points_table_is_refused_and_nothing_changes(past, world):
    from accounts.errors import DomainError

    table = rating.default_table() | {("municipal", "winner"): -1}
    with pytest.raises(DomainError):
        rating_points_set(user=world.deputy, table=table, academic_weight="10")
    assert totals(school_ranking(period=Q1))["Петров"][0] == Decimal("65.00")


def test_student_standing_lists_the_items_that_gave_points(past):
    standing = student_standing(student=past["Петров"], period=FIRST_HALF)
    assert sorted((p.item.title, p.points) for p in standing.items) == [
        ("municipal winner", 20),
        ("school participant", 2),
    ]
    assert standing.standing.total == Decimal("67.00")
    assert PortfolioItem.objects.filter(student=past["Петров"]).count() == 4


def test_ranking_query_count_does_not_grow_with_students(past, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        school_ranking(period=FIRST_HALF)


# Who sees what -----------------------------------------------------------------------------------------


def test_family_sees_own_place_and_never_other_childrens_names(world, client_for):
    data = ItemData(
        kind="contest", title="Конкурс", date=world.year.start_date, level="school", result="winner"
    )
    portfolio_item_create(user=world.ct_a, student=world.boris, data=data, verify=True)
    page = (
        client_for(world.anna_user).get(reverse("portfolio_student", args=[world.anna.pk])).content.decode()
    )
    assert "place in the class" in page or "место" in page
    assert "Борисов" not in page and "Верина" not in page
    api = client_for(world.anna_user).get(reverse("api-student-portfolio", args=[world.anna.pk])).json()
    assert api["standing"]["class_place"] == 2 and api["standing"]["class_size"] == 2
    assert "Борисов" not in str(api)


def test_staff_rating_page_shows_names_class_teacher_only_their_class(world, client_for):
    deputy_page = client_for(world.deputy).get(reverse("portfolio_rating")).content.decode()
    assert "Аннина" in deputy_page and "Верина" in deputy_page
    ct_page = client_for(world.ct_a).get(reverse("portfolio_rating")).content.decode()
    assert "Аннина" in ct_page and "Верина" not in ct_page
