"""Baseline and final assessments: the form, its rules, the cohort's comparison and its chart."""
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask import render_template
from sqlalchemy import func, select

from tests.conftest import act_as, csrf_token, login_as
from tests.html import read
from tracker.assessments.charts import Bar, Section, change_chart, format_change
from tracker.assessments.models import Assessment, AssessmentDimension, AssessmentKind, AssessmentScore
from tracker.assessments.services import cohort_results, group_results, record_assessment
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.groups.services import enrol

BASELINE, FINAL = AssessmentKind.BASELINE, AssessmentKind.FINAL
EN = {"Accept-Language": "en"}


def add_dimensions(programme, *names):
    dimensions = [
        AssessmentDimension(programme=programme, position=n, name_nb=name, name_en=name)
        for n, name in enumerate(names, start=1)
    ]
    db.session.add_all(dimensions)
    db.session.flush()
    return dimensions


def add_assessment(group, kind, on, scores, respondents=6):
    assessment = Assessment(enrolment=group, kind=kind, assessed_on=on, respondents=respondents)
    for dimension, score in scores.items():
        assessment.scores.append(AssessmentScore(dimension=dimension, score=Decimal(score)))
    db.session.add(assessment)
    return assessment


@pytest.fixture
def world(make_cohort, make_organisation):
    cohort = make_cohort(label="Kull 1", start_date=date(2016, 8, 29), capacity=10)
    dimensions = add_dimensions(cohort.programme, "Clear purpose", "Meeting effectiveness",
                                "Strategic focus")
    udir = enrol(cohort, make_organisation(name_nb="Utdanningsdirektoratet", short_name="Udir"))
    db.session.commit()
    return {"cohort": cohort, "dimensions": dimensions, "udir": udir}


@pytest.fixture
def coordinator(client, make_user):
    login_as(client, make_user("coordinator"))
    return client


def url(group, kind="baseline"):
    return f"/assessments/groups/{group.id}/{kind}"


def form_data(client, dimensions, scores=("3.10", "2,75", "4"), **overrides):
    data = {"assessed_on": "2016-09-05", "respondents": "6", "version": "",
            "csrf_token": csrf_token(client)}
    data.update({f"score_{d.id}": s for d, s in zip(dimensions, scores)})
    data.update(overrides)
    return data


def assessments(group):
    db.session.expire_all()
    return {a.kind: a for a in db.session.scalars(select(Assessment).where(Assessment.enrolment_id == group.id))}


def scores_of(assessment):
    return {s.dimension.name_en: s.score for s in assessment.scores}


# The form


def test_a_coordinator_records_a_baseline_with_a_score_per_dimension(coordinator, world):
    udir, dimensions = world["udir"], world["dimensions"]
    page = read(coordinator.get(url(udir), headers=EN).data)
    assert [i["id"] for i in page.all("input") if i.get("id", "").startswith("score_")] == [
        f"score_{d.id}" for d in dimensions]
    assert page.all("input", id="assessed_on")[0]["type"] == "date"
    assert all(page.all("div", id=f"score_{d.id}-description") for d in dimensions)

    response = coordinator.post(url(udir), data=form_data(coordinator, dimensions))

    assert response.status_code == 302 and response.headers["Location"] == f"/groups/{udir.id}"
    baseline = assessments(udir)[BASELINE]
    assert (baseline.assessed_on, baseline.respondents, baseline.version) == (date(2016, 9, 5), 6, 1)
    # A decimal comma is as good as a point.
    assert scores_of(baseline) == {"Clear purpose": Decimal("3.10"), "Meeting effectiveness": Decimal("2.75"),
                                   "Strategic focus": Decimal("4.00")}


def test_correcting_one_score_moves_the_version_on(coordinator, world):
    udir, dimensions = world["udir"], world["dimensions"]
    add_assessment(udir, BASELINE, date(2016, 9, 5), dict(zip(dimensions, ("3.10", "2.75", "4.00"))))
    db.session.commit()
    page = read(coordinator.get(url(udir)).data)
    assert page.all("input", id="version")[0]["value"] == "1"
    # Shown back the Norwegian way: a decimal comma, no trailing zero.
    assert page.all("input", id=f"score_{dimensions[0].id}")[0]["value"] == "3,1"

    response = coordinator.post(url(udir), data=form_data(
        coordinator, dimensions, scores=("3.10", "2.75", "4.25"), version="1"))

    assert response.status_code == 302
    baseline = assessments(udir)[BASELINE]
    assert scores_of(baseline)["Strategic focus"] == Decimal("4.25")
    assert baseline.version == 2


@pytest.mark.parametrize("overrides, field", [
    ({"assessed_on": ""}, "assessed_on"),
    ({"assessed_on": "5. september"}, "assessed_on"),
    ({"assessed_on": (date.today() + timedelta(days=2)).isoformat()}, "assessed_on"),
    ({"respondents": ""}, "respondents"),
    ({"respondents": "seks"}, "respondents"),
    ({"respondents": "0"}, "respondents"),
    ({"respondents": "51"}, "respondents"),
    ({"score": ""}, "score"),
    ({"score": "høy"}, "score"),
    ({"score": "NaN"}, "score"),
    ({"score": "5.01"}, "score"),
    ({"score": "0.99"}, "score"),
    ({"score": "3.456"}, "score"),
    ({"score": "3" * 300}, "score"),
    ({"score": "3,,5"}, "score"),
    ({"score": "3,5.1"}, "score"),
])
def test_bad_input_is_refused_with_the_field_marked_and_nothing_saved(coordinator, world, overrides, field):
    udir, dimensions = world["udir"], world["dimensions"]
    if "score" in overrides:
        overrides = {f"score_{dimensions[1].id}": overrides["score"]}
        field = f"score_{dimensions[1].id}"

    response = coordinator.post(url(udir), data=form_data(coordinator, dimensions, **overrides))

    assert response.status_code == 400
    page = read(response.data)
    (element,) = page.all("input", id=field)
    assert element.get("aria-invalid") == "true"
    assert element.get("value", "") == overrides[field]  # keeps what was typed
    assert page.all("div", **{"class": "ds-error-summary"})
    # The other fields keep what was typed too.
    assert page.all("input", id=f"score_{dimensions[0].id}")[0]["value"] == "3.10"
    assert assessments(udir) == {}


def test_a_final_cannot_come_before_the_baseline_nor_a_baseline_after_the_final(coordinator, world):
    udir, dimensions = world["udir"], world["dimensions"]
    add_assessment(udir, BASELINE, date(2016, 9, 5), dict(zip(dimensions, ("3", "3", "3"))))
    db.session.commit()

    response = coordinator.post(url(udir, "final"), data=form_data(coordinator, dimensions, assessed_on="2016-09-02"),
                                headers=EN)
    assert response.status_code == 400
    assert read(response.data).all("input", id="assessed_on")[0]["aria-invalid"] == "true"
    assert "cannot be before the baseline" in response.get_data(as_text=True)
    assert FINAL not in assessments(udir)

    assert coordinator.post(url(udir, "final"), data=form_data(
        coordinator, dimensions, assessed_on="2017-06-01")).status_code == 302
    response = coordinator.post(url(udir), data=form_data(coordinator, dimensions, assessed_on="2017-06-02",
                                                          version="1"))
    assert response.status_code == 400
    assert assessments(udir)[BASELINE].assessed_on == date(2016, 9, 5)


def test_unknown_kinds_and_groups_are_not_found(coordinator, world):
    udir = world["udir"]
    assert coordinator.get(f"/assessments/groups/{udir.id}/midway").status_code == 404
    assert coordinator.get("/assessments/groups/999999/baseline").status_code == 404
    assert coordinator.post(f"/assessments/groups/{udir.id}/midway",
                            data={"csrf_token": csrf_token(coordinator)}).status_code == 404


def test_a_score_for_another_programmes_dimension_is_ignored_by_the_form_and_refused_by_the_rule(
    coordinator, world, make_programme, make_organisation
):
    udir, dimensions = world["udir"], world["dimensions"]
    (foreign,) = add_dimensions(make_programme(name_nb="Annet program", responsible_organisation=make_organisation()),
                                "Foreign")
    db.session.commit()

    response = coordinator.post(url(udir), data=form_data(coordinator, dimensions, **{f"score_{foreign.id}": "5"}))
    assert response.status_code == 302
    assert set(scores_of(assessments(udir)[BASELINE])) == {"Clear purpose", "Meeting effectiveness", "Strategic focus"}

    with pytest.raises(DomainError):
        record_assessment(udir, FINAL, assessed_on=date(2017, 6, 1), respondents=6,
                          scores={**{d.id: Decimal(3) for d in dimensions}, foreign.id: Decimal(3)},
                          version="", today=date(2018, 1, 1))


def test_the_second_of_two_saves_from_the_same_version_is_a_conflict(app, coordinator, world, make_user):
    udir, dimensions = world["udir"], world["dimensions"]
    add_assessment(udir, BASELINE, date(2016, 9, 5), dict(zip(dimensions, ("3.10", "2.75", "4.00"))))
    db.session.commit()
    other = app.test_client()
    login_as(other, make_user("coordinator"))
    for client in (coordinator, other):
        assert read(client.get(url(udir)).data).all("input", id="version")[0]["value"] == "1"

    # The first changes only a score: the assessment's own row is untouched, yet it is a new version.
    first = coordinator.post(url(udir), data=form_data(coordinator, dimensions, scores=("3.10", "2.75", "4.50"),
                                                       version="1"))
    second = other.post(url(udir), data=form_data(other, dimensions, scores=("1.00", "1.00", "1.00"),
                                                  respondents="4", version="1"), headers=EN)

    assert first.status_code == 302
    assert second.status_code == 409
    page = read(second.data)
    assert "Saved by someone else" in page.text and "4.50" in page.text
    assert page.all("input", id="respondents")[0]["value"] == "4"  # keeps what was typed
    assert page.all("input", id="version")[0]["value"] == "2"
    baseline = assessments(udir)[BASELINE]
    assert (baseline.respondents, baseline.version) == (6, 2)
    assert scores_of(baseline)["Strategic focus"] == Decimal("4.50")
    assert scores_of(baseline)["Clear purpose"] == Decimal("3.10")


def test_an_assessment_made_while_the_form_was_open_is_a_conflict(coordinator, world):
    udir, dimensions = world["udir"], world["dimensions"]
    add_assessment(udir, BASELINE, date(2016, 9, 6), dict(zip(dimensions, ("2", "2", "2"))))
    db.session.commit()

    response = coordinator.post(url(udir), data=form_data(coordinator, dimensions))

    assert response.status_code == 409
    assert assessments(udir)[BASELINE].assessed_on == date(2016, 9, 6)


def test_without_dimensions_there_is_nothing_to_record(coordinator, make_cohort, make_organisation):
    cohort = make_cohort()
    group = enrol(cohort, make_organisation())
    db.session.commit()

    page = coordinator.get(url(group), headers=EN)
    assert page.status_code == 200 and "no assessment dimensions" in page.get_data(as_text=True)
    response = coordinator.post(url(group), data={"assessed_on": "2016-09-05", "respondents": "5",
                                                  "csrf_token": csrf_token(coordinator)})
    assert response.status_code == 200
    assert db.session.scalar(select(func.count(Assessment.id))) == 0


def test_only_staff_may_record_assessments(client, world, make_user):
    login_as(client, make_user("agency", organisation=world["udir"].organisation))
    assert client.get(url(world["udir"])).status_code == 403
    assert client.get(f"/assessments/cohorts/{world['cohort'].id}").status_code == 403


# Results and the chart


@pytest.fixture
def results_world(world, make_organisation):
    """Udir and Bufdir assessed before and after, Lånekassen only before."""
    cohort, dimensions, udir = world["cohort"], world["dimensions"], world["udir"]
    bufdir = enrol(cohort, make_organisation(name_nb="Bufdir"))
    lanekassen = enrol(cohort, make_organisation(name_nb="Lånekassen"))
    before, after = date(2016, 9, 5), date(2017, 6, 1)
    add_assessment(udir, BASELINE, before, dict(zip(dimensions, ("3.00", "2.50", "3.20"))))
    add_assessment(udir, FINAL, after, dict(zip(dimensions, ("3.50", "3.25", "3.00"))))
    add_assessment(bufdir, BASELINE, before, dict(zip(dimensions, ("2.80", "3.00", "3.00"))))
    add_assessment(bufdir, FINAL, after, dict(zip(dimensions, ("3.10", "2.90", "3.60"))))
    add_assessment(lanekassen, BASELINE, before, dict(zip(dimensions, ("1.00", "1.00", "1.00"))))
    db.session.commit()
    return {**world, "bufdir": bufdir, "lanekassen": lanekassen}


def test_the_cohorts_average_change_counts_only_groups_assessed_twice(results_world):
    results = cohort_results(results_world["cohort"])

    assert [g.enrolment.organisation.name_nb for g in results.compared] == ["Bufdir", "Utdanningsdirektoratet"]
    # (0.50 + 0.30) / 2, (0.75 − 0.10) / 2 = 0.325 → 0.33, (−0.20 + 0.60) / 2
    assert [average for _, average in results.averages] == [Decimal("0.40"), Decimal("0.33"), Decimal("0.20")]


def test_cohort_results_take_the_same_queries_for_more_groups(results_world, make_organisation, count_queries):
    from tracker.cohorts.models import Cohort

    def count():
        db.session.expire_all()
        cohort = db.session.get(Cohort, results_world["cohort"].id)
        with count_queries() as counter:
            results = cohort_results(cohort)
            [(g.change(d.id), g.enrolment.organisation.name_nb) for g in results.groups for d in results.dimensions]
        return counter["n"]

    before = count()
    for n in range(3):
        group = enrol(results_world["cohort"], make_organisation())
        add_assessment(group, BASELINE, date(2016, 9, 5), dict(zip(results_world["dimensions"], ("3", "3", "3"))))
    db.session.commit()
    assert count() == before <= 7


def test_the_cohort_page_has_an_inline_chart_and_a_table_with_the_same_numbers(coordinator, results_world):
    response = coordinator.get(f"/assessments/cohorts/{results_world['cohort'].id}", headers=EN)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = read(html)

    (svg,) = page.all("svg")
    assert svg["role"] == "img"
    labelled_by = svg["aria-labelledby"].split()
    assert [t for t, a in page.tags if a.get("id") in labelled_by and t in ("title", "desc")] == ["title", "desc"]
    assert " style=" not in html and "<img" not in html and "<script" not in html
    svg_text = html[html.index("<svg"):html.index("</svg>")]
    for value in ("+0.50", "+0.75", "\u22120.20", "+0.30", "\u22120.10", "+0.60", "+0.40", "+0.33", "+0.20"):
        assert f">{value}</text>" in svg_text, value
    assert "Lånekassen" not in svg_text
    # The table comes right after the chart and holds the same numbers.
    after_chart = html[html.index("</svg>"):]
    assert after_chart.index("<table") < after_chart.index("<h2")
    table = after_chart[after_chart.index("<table"):after_chart.index("</table>")]
    cells = re.findall(r"<td>(?:<strong>)?([^<]+)", table)
    assert cells == ["+0.30", "+0.50", "+0.40", "\u22120.10", "+0.75", "+0.33", "+0.60", "\u22120.20", "+0.20"]
    assert "1 of 3" not in page.text and "2 of 3 groups" in page.text


def test_the_cohort_page_without_results_says_so(coordinator, world):
    page = read(coordinator.get(f"/assessments/cohorts/{world['cohort'].id}", headers=EN).data)
    assert not page.all("svg")
    assert "No group has both assessments yet" in page.text
    assert coordinator.get("/assessments/cohorts/999999").status_code == 404


def test_the_group_partial_shows_before_after_and_change(app, results_world, make_user):
    udir = results_world["udir"]
    with app.test_request_context(headers=EN):
        act_as(make_user("agency", organisation=udir.organisation))  # the group's own leader
        html = render_template("assessments/_group_results.html",
                               assessment_results=group_results(udir))
    page = read(html)

    assert len(page.all("svg", role="img")) == 1
    rows = re.findall(r'<th scope="row">([^<]+)</th>\s*<td>([^<]+)</td>\s*<td>([^<]+)</td>\s*<td>([^<]+)</td>', html)
    assert rows == [("Clear purpose", "3.00", "3.50", "+0.50"),
                    ("Meeting effectiveness", "2.50", "3.25", "+0.75"),
                    ("Strategic focus", "3.20", "3.00", "\u22120.20")]
    assert not [a for a in page.all("a") if "/assessments/" in a["href"]]  # not for a group leader
    assert " style=" not in html


@pytest.mark.parametrize("role", ["ministry", "participant"])
def test_one_groups_typed_scores_are_withheld_as_its_survey_results_are(
        app, results_world, make_user, role):
    """Scores typed in from a group's paper survey are that group's means, as the survey's are:
    not for a ministry viewer (whose sector figures rest on several groups) nor a member who
    does not lead the group (Enrolment.shows_survey_results_to)."""
    udir = results_world["udir"]
    with app.test_request_context(headers=EN):
        act_as(make_user(role))
        html = render_template("assessments/_group_results.html",
                               assessment_results=group_results(udir))
    page = read(html)

    assert "shown to the group's leaders and the programme's coordinators only" in page.text
    assert not page.all("svg") and not page.all("table")
    assert "3.50" not in html and "+0.50" not in html
    # The sector overview is pointed to only for a reader who may open it.
    assert ("sector overview" in page.text) is (role == "ministry")
    assert any(a["href"] == "/reports/sector" for a in page.all("a")) is (role == "ministry")


def test_the_group_partial_for_a_group_assessed_once_has_no_chart(app, results_world, make_user):
    with app.test_request_context(headers=EN):
        act_as(make_user("coordinator"))
        page = read(render_template("assessments/_group_results.html",
                                    assessment_results=group_results(results_world["lanekassen"])))

    assert not page.all("svg")
    assert "Not recorded" in page.text
    assert any(a["href"].endswith("/final") for a in page.all("a"))


def test_changes_are_signed_in_the_readers_language(app):
    from flask_babel import force_locale

    with app.test_request_context():
        with force_locale("nb"):
            assert [format_change(Decimal(v)) for v in ("0.45", "-0.2", "0")] == ["+0,45", "\u22120,20", "0,00"]
        with force_locale("en"):
            assert format_change(Decimal("0.45")) == "+0.45"


def test_the_chart_draws_negative_bars_left_of_zero_and_names_missing_values(app):
    with app.test_request_context(headers=EN):
        svg = str(change_chart(
            [Section("A", [Bar("up", Decimal("0.5")), Bar("down", Decimal("-0.25")),
                           Bar("none", None), Bar("average", Decimal("0.1"), highlight=True)])],
            title="T", description="D", id_prefix="x", no_data="no score"))
    zero = float(re.search(r'<line x1="([\d.]+)"[^>]*stroke="#595959"', svg).group(1))
    rects = [(float(x), float(w), fill) for x, w, fill in
             re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="[\d.]+" fill="(#\w+)"', svg)]
    assert rects[0][0] == zero and rects[1][0] + rects[1][1] == pytest.approx(zero)
    assert rects[2][2] != rects[0][2]  # the average in its own colour
    assert ">no score</text>" in svg and 'aria-labelledby="x-title x-desc"' in svg


def test_a_decimal_comma_is_read_and_a_double_one_refused_naming_the_dimension(coordinator, world):
    udir, dimensions = world["udir"], world["dimensions"]
    response = coordinator.post(url(udir), data=form_data(coordinator, dimensions, scores=("3,5", "2,75", "4")))
    assert response.status_code == 302
    assert scores_of(assessments(udir)[BASELINE]) == {
        "Clear purpose": Decimal("3.5"), "Meeting effectiveness": Decimal("2.75"), "Strategic focus": Decimal("4")}
    refused = coordinator.post(url(udir, "final"), data=form_data(coordinator, dimensions, scores=("3,,5", "2", "4"),
                                                                  assessed_on="2016-09-06"))
    assert refused.status_code == 400
    assert "Clear purpose: skriv inn et tall." in read(refused.data).text.replace("Skriv", "skriv")


def test_the_scale_is_named_1_to_5(coordinator, world):
    text = read(coordinator.get(url(world["udir"])).data).text
    assert "1–5" in text and "1.00" not in text and "1,00" not in text


def test_a_nynorsk_page_names_the_dimensions_in_nynorsk_and_falls_back_to_bokmal(coordinator, world):
    first, second = world["dimensions"][:2]
    first.name_nb, first.name_nn = "Beslutninger", "Avgjerder"
    second.name_nb = "Felles mål"
    db.session.commit()
    nynorsk = read(coordinator.get(url(world["udir"]), headers={"Accept-Language": "nn"}).data).text
    assert "Avgjerder" in nynorsk and "Beslutninger" not in nynorsk and "Felles mål" in nynorsk
    bokmal = read(coordinator.get(url(world["udir"]), headers={"Accept-Language": "nb"}).data).text
    assert "Beslutninger" in bokmal and "Avgjerder" not in bokmal


def test_score_fields_are_text_with_a_decimal_keyboard_so_a_comma_can_be_typed(coordinator, world):
    """A browser's type="number" refuses or swallows "3,5" (Chromium, nb-NO and en-GB alike)."""
    page = coordinator.get(url(world["udir"], "final")).data.decode()
    inputs = re.findall(r'<input[^>]*name="score_\d+"[^>]*>', page)
    assert len(inputs) == 3
    for tag in inputs:
        assert 'type="text"' in tag and 'inputmode="decimal"' in tag and "pattern=" not in tag
