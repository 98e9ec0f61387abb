"""The survey's results pages, files and API: what each reader sees, and what they never do."""
import io
import re

import pytest
from openpyxl import load_workbook

from tests.conftest import login_as
from tracker import clock
from tracker.surveys.models import RoundKind

OPEN_TEXT = "Vi må bli bedre til å lytte"


def full(value):
    return {"PRE1a": value, "PRE1b": 6 - value, "PRO1a": value, "PRO1b": value, "PRO2a": value}


@pytest.fixture
def compared(db, make_round, make_group, make_cohort, make_instrument, make_organisation,
             put_answers):
    """compared(cohort=None, organisation=None, before=2, after=4, open_text=None): a group
    whose closed baseline and final rounds three members answered; committed."""
    def make(cohort=None, organisation=None, before=2, after=4, open_text=None, version=None):
        cohort = cohort or make_cohort()
        group = make_group(cohort=cohort, organisation=organisation or make_organisation())
        baseline = make_round(group, members=3, version=version)
        final = make_round(group, kind=RoundKind.FINAL, members=0,
                           version=baseline.instrument_version)
        for round_, value in ((baseline, before), (final, after)):
            for respondent in round_.respondents:
                put_answers(respondent, full(value), {"O1": open_text} if open_text else None)
            round_.closed_at = clock.now()
        db.session.commit()
        return group
    return make


@pytest.fixture
def ministry_world(db, make_organisation, make_cohort, make_instrument, compared):
    """Three groups of agencies under one ministry, in one cohort, each compared."""
    from tracker.organisations.models import OrganisationKind

    ministry = make_organisation(name_nb="Testdepartementet", kind=OrganisationKind.MINISTRY)
    cohort = make_cohort()
    version = make_instrument(cohort.programme).latest
    groups = [compared(cohort, make_organisation(owning_ministry=ministry), 2, 3 + n,
                       open_text=OPEN_TEXT, version=version) for n in range(3)]
    db.session.commit()
    return ministry, cohort, groups


def test_the_group_page_shows_factors_chart_table_and_open_answers_to_staff(staff, compared):
    group = compared(open_text=OPEN_TEXT)
    page = staff.get(f"/surveys/groups/{group.id}/results").get_data(as_text=True)
    assert '<figure' in page and 'role="img"' in page and "<figcaption>" in page
    assert "Formål" in page and "+2,00" in page.replace("\u2212", "-")
    assert OPEN_TEXT in page


def test_the_group_page_says_open_round_without_figures(staff, make_round, put_answers, db):
    round_ = make_round(members=3)
    for respondent in round_.respondents:
        put_answers(respondent, full(4), {"O1": OPEN_TEXT})
    db.session.commit()
    page = staff.get(f"/surveys/groups/{round_.enrolment_id}/results").get_data(as_text=True)
    assert "3" in page and "<figure" not in page and OPEN_TEXT not in page


def test_the_group_partial_shows_the_survey_and_the_typed_scores(staff, compared):
    group = compared()
    page = staff.get(f"/groups/{group.id}").get_data(as_text=True)
    assert f"/surveys/groups/{group.id}/results" in page
    assert "From the survey" in page or "Frå undersøkinga" in page or "Fra undersøkelsen" in page


def test_own_leaders_see_open_answers_ministry_never(client, make_user, ministry_world):
    ministry, _cohort, groups = ministry_world
    group = groups[0]
    login_as(client, make_user("agency", organisation=group.organisation))
    assert OPEN_TEXT in client.get(f"/surveys/groups/{group.id}/results").get_data(as_text=True)
    login_as(client, make_user("ministry", organisation=ministry))
    page = client.get(f"/surveys/groups/{group.id}/results")
    assert page.status_code == 403 and OPEN_TEXT not in page.get_data(as_text=True)
    csv = client.get(f"/surveys/groups/{group.id}/results.csv")
    assert csv.status_code == 403 and OPEN_TEXT not in csv.get_data(as_text=True)
    api = client.get(f"/api/v1/enrolments/{group.id}/survey-results")
    # The API signs in by token only; the cookie gives 401.
    assert api.status_code == 401


def test_other_agencies_get_404_ministries_403(client, make_user, compared):
    group = compared(open_text=OPEN_TEXT)
    login_as(client, make_user("agency"))
    assert client.get(f"/surveys/groups/{group.id}/results").status_code == 404
    assert client.get(f"/surveys/groups/{group.id}/results.csv").status_code == 404
    login_as(client, make_user("ministry"))
    assert client.get(f"/surveys/groups/{group.id}/results").status_code == 403


@pytest.fixture
def distinct_group(db, make_round, make_group, make_cohort, put_answers, make_organisation,
                   ministry_world):
    """A fourth group under the ministry of `ministry_world`, whose final PRE1 mean is 4.67
    (answers 5, 5, 4) and change +2.67: numbers no sector figure has."""
    ministry, _cohort, _groups = ministry_world
    group = make_group(cohort=make_cohort(), organisation=make_organisation(owning_ministry=ministry))
    baseline = make_round(group, members=3)
    final = make_round(group, kind=RoundKind.FINAL, members=0, version=baseline.instrument_version)
    for round_, values in ((baseline, (2, 2, 2)), (final, (5, 5, 4))):
        for respondent, value in zip(round_.respondents, values):
            put_answers(respondent, full(value))
        round_.closed_at = clock.now()
    db.session.commit()
    return group


DISTINCT = ("4,67", "4.67", "2,67", "2.67")


def test_a_ministry_viewer_gets_no_single_group_mean_anywhere(
        client, make_user, ministry_world, distinct_group, token_for):
    """The sector's three-group rule means nothing if a ministry can open each group: no page,
    file, API answer or group page gives a ministry viewer one group's means."""
    ministry, _cohort, _groups = ministry_world
    group = distinct_group
    base = f"/surveys/groups/{group.id}/results"
    viewer = make_user("ministry", organisation=ministry)
    login_as(client, viewer)
    for url in (base, base + ".csv", base + ".xlsx"):
        refused = client.get(url)
        assert refused.status_code == 403, url
        assert not any(d in refused.get_data(as_text=True) for d in DISTINCT)
    api = client.get(f"/api/v1/enrolments/{group.id}/survey-results", headers=token_for(viewer))
    assert api.status_code == 403 and not any(d in api.get_data(as_text=True) for d in DISTINCT)
    page = client.get(f"/groups/{group.id}", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "shown to the group's leaders and the programme's coordinators only" in text
    assert not any(d in text for d in DISTINCT) and base not in text
    sector = client.get("/reports/sector").get_data(as_text=True)
    assert "sector-survey-caption" in sector and not any(d in sector for d in DISTINCT)
    sector_csv = client.get("/reports/sector/survey-results.csv").get_data().decode("utf-8-sig")
    assert "PRE1" in sector_csv and not any(d in sector_csv for d in DISTINCT)
    # Staff and the group's own leaders see them: on the page, in both files, in the API and
    # on the group page.
    for reader in (make_user("coordinator"), make_user("agency", organisation=group.organisation)):
        login_as(client, reader)
        assert "4,67" in client.get(base).get_data(as_text=True)
        assert "4,67" in client.get(base + ".csv").get_data().decode("utf-8-sig")
        sheet = load_workbook(io.BytesIO(client.get(base + ".xlsx").get_data())).active
        assert 4.67 in [v for row in sheet.iter_rows(values_only=True) for v in row]
        found = client.get(f"/api/v1/enrolments/{group.id}/survey-results",
                           headers=token_for(reader)).get_json()
        pre1 = next(f for f in found["factors"] if f["code"] == "PRE1")
        assert pre1["final"]["mean"] == 4.67
        assert "4,67" in client.get(f"/groups/{group.id}").get_data(as_text=True)


def test_a_negative_change_is_a_number_in_both_files(staff, compared):
    group = compared(before=4, after=3)
    text = staff.get(f"/surveys/groups/{group.id}/results.csv").get_data().decode("utf-8-sig")
    pre1 = next(line for line in text.splitlines() if ";PRE1;" in line)
    assert pre1.endswith(";-1,00") and "'" not in pre1
    sheet = load_workbook(io.BytesIO(staff.get(f"/surveys/groups/{group.id}/results.xlsx")
                                     .get_data())).active
    row = next(r for r in sheet.iter_rows() if r[1].value == "PRE1")
    assert row[9].value == -1.0 and row[9].data_type == "n"


def test_group_exports_csv_and_xlsx(staff, compared):
    group = compared(open_text=OPEN_TEXT)
    csv = staff.get(f"/surveys/groups/{group.id}/results.csv")
    assert csv.mimetype == "text/csv"
    body = csv.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert "PRE1;" in text and "2,00" in text and OPEN_TEXT in text
    xlsx = staff.get(f"/surveys/groups/{group.id}/results.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    pre1 = next(r for r in rows if r[1] == "PRE1")
    assert pre1[4] == 2.0 and pre1[7] == 4.0 and pre1[9] == 2.0


def test_cohort_and_programme_pages_and_exports(staff, ministry_world):
    _ministry, cohort, _groups = ministry_world
    page = staff.get(f"/surveys/cohorts/{cohort.id}/results").get_data(as_text=True)
    assert "100" in page and "Formål" in page
    csv = staff.get(f"/surveys/cohorts/{cohort.id}/results.csv").get_data().decode("utf-8-sig")
    assert "PRE1;Formål;3;3;1,00;2,00;4,00;2,00" in csv
    programme = cohort.programme
    page = staff.get(f"/programmes/{programme.id}/survey-results").get_data(as_text=True)
    assert cohort.label in page
    xlsx = staff.get(f"/programmes/{programme.id}/survey-results.xlsx")
    assert xlsx.status_code == 200
    assert OPEN_TEXT not in csv


def test_the_sector_shows_figures_only_with_three_groups(client, make_user, ministry_world, db):
    ministry, _cohort, groups = ministry_world
    login_as(client, make_user("ministry", organisation=ministry))
    page = client.get("/reports/sector").get_data(as_text=True)
    assert "sector-survey-caption" in page and OPEN_TEXT not in page
    csv = client.get("/reports/sector/survey-results.csv").get_data().decode("utf-8-sig")
    assert "PRE1" in csv and OPEN_TEXT not in csv
    # With one group's final reopened, two count: too few to show.
    from tracker.surveys.models import SurveyRound
    from sqlalchemy import select
    final = db.session.scalar(select(SurveyRound).where(
        SurveyRound.enrolment_id == groups[0].id, SurveyRound.kind == RoundKind.FINAL))
    final.closed_at = None
    db.session.commit()
    page = client.get("/reports/sector").get_data(as_text=True)
    assert "sector-survey-caption" not in page
    csv = client.get("/reports/sector/survey-results.csv").get_data().decode("utf-8-sig")
    assert "PRE1" not in csv


def test_the_sector_of_another_ministry_is_404(client, make_user, ministry_world):
    ministry, _cohort, _groups = ministry_world
    login_as(client, make_user("ministry"))
    assert client.get(f"/reports/sector/survey-results.csv?ministry={ministry.id}").status_code == 404


@pytest.fixture
def token_for(db):
    from tracker.auth.tokens import new_token

    def make(user):
        _record, secret = new_token(user, "test")
        db.session.commit()
        return {"Authorization": f"Bearer {secret}"}
    return make


def test_the_api_serves_the_same_figures_under_the_same_rules(client, make_user, ministry_world,
                                                             token_for):
    ministry, cohort, groups = ministry_world
    group = groups[0]
    staff = token_for(make_user("coordinator"))
    found = client.get(f"/api/v1/enrolments/{group.id}/survey-results", headers=staff).get_json()
    pre1 = next(f for f in found["factors"] if f["code"] == "PRE1")
    assert pre1["baseline"]["mean"] == 2.0 and pre1["change"] == 1.0
    assert found["open_answers"][0]["answers"] == [OPEN_TEXT] * 3
    own = token_for(make_user("agency", organisation=group.organisation))
    assert client.get(f"/api/v1/enrolments/{group.id}/survey-results", headers=own).get_json()["open_answers"]
    viewer = token_for(make_user("ministry", organisation=ministry))
    assert client.get(f"/api/v1/enrolments/{group.id}/survey-results",
                      headers=viewer).status_code == 403
    sector = client.get("/api/v1/reports/sector/survey-results", headers=viewer).get_json()
    assert sector["shown"] and sector["groups_counted"] == 3
    other = token_for(make_user("agency"))
    assert client.get(f"/api/v1/enrolments/{group.id}/survey-results", headers=other).status_code == 404
    outsider = token_for(make_user("ministry"))
    assert client.get(f"/api/v1/enrolments/{group.id}/survey-results",
                      headers=outsider).status_code == 403
    cohort_found = client.get(f"/api/v1/cohorts/{cohort.id}/survey-results", headers=staff).get_json()
    assert cohort_found["factors"][0]["share_improved"] == 1.0


def test_the_chart_is_well_formed_svg_with_a_label_and_every_value(staff, compared):
    import re
    from xml.etree import ElementTree

    group = compared(before=2, after=4)
    page = staff.get(f"/surveys/groups/{group.id}/results",
                     headers={"Accept-Language": "en"}).get_data(as_text=True)
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    root = ElementTree.fromstring(svg)
    assert root.get("role") == "img" and root.get("aria-label")
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert texts.count("2.00") == 3 and texts.count("4.00") == 3
    assert "style=" not in svg and "<script" not in svg


def test_below_five_respondents_the_page_and_files_give_no_spread(staff, compared):
    group = compared(before=2, after=4)  # three respondents a round
    page = staff.get(f"/surveys/groups/{group.id}/results",
                     headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "A spread is shown only from five respondents" in page
    text = staff.get(f"/surveys/groups/{group.id}/results.csv").get_data().decode("utf-8-sig")
    pre1 = next(line for line in text.splitlines() if ";PRE1;" in line).split(";")
    # respondents, mean, spread (empty) for each round, then the change
    assert pre1[3:] == ["3", "2,00", "", "3", "4,00", "", "2,00"]


@pytest.mark.parametrize("path", ["/surveys/groups/{group}/results.{fmt}",
                                  "/surveys/cohorts/{cohort}/results.{fmt}",
                                  "/programmes/{programme}/survey-results.{fmt}",
                                  "/reports/sector/survey-results.{fmt}"])
def test_each_export_says_its_type_and_charset_once(staff, compared, path):
    group = compared()
    ids = {"group": group.id, "cohort": group.cohort_id, "programme": group.cohort.programme_id}
    csv = staff.get(path.format(fmt="csv", **ids))
    assert csv.status_code == 200
    assert csv.headers["Content-Type"] == "text/csv; charset=utf-8"
    xlsx = staff.get(path.format(fmt="xlsx", **ids))
    assert xlsx.headers["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


# The scores staff typed in before the survey was run here are history beside the survey.

def typed_baseline(group, db):
    from datetime import date
    from decimal import Decimal

    from tracker.assessments.models import (
        Assessment,
        AssessmentDimension,
        AssessmentKind,
        AssessmentScore,
    )

    dimension = AssessmentDimension(programme=group.cohort.programme, position=1,
                                    name_nb="Felles mål", name_en="Shared goals")
    assessment = Assessment(enrolment=group, kind=AssessmentKind.BASELINE,
                            assessed_on=date(2024, 9, 1), respondents=6)
    assessment.scores.append(AssessmentScore(dimension=dimension, score=Decimal("3.5")))
    db.session.add_all([dimension, assessment])
    db.session.commit()
    return assessment


EN = {"Accept-Language": "en"}
HISTORY = "Scores entered by staff before the survey was run here"


def test_a_group_with_rounds_and_nothing_typed_offers_no_typed_scores(staff, compared, db):
    group = compared()
    page = staff.get(f"/groups/{group.id}", headers=EN).get_data(as_text=True)
    assert HISTORY not in page and f"/assessments/groups/{group.id}/" not in page
    assert f"/surveys/cohorts/{group.cohort_id}/results" in page  # "Compare the groups"


def test_typed_scores_beside_rounds_are_history_with_no_new_record(staff, compared, db):
    group = compared()
    typed_baseline(group, db)
    page = staff.get(f"/groups/{group.id}", headers=EN).get_data(as_text=True)
    assert HISTORY in page and "3.50" in page
    # The baseline typed in may be corrected; no final may be typed in beside the survey.
    assert f"/assessments/groups/{group.id}/baseline" in page
    assert f"/assessments/groups/{group.id}/final" not in page


def test_a_group_without_rounds_may_still_have_scores_typed_in(staff, make_group, db):
    from tracker.assessments.models import AssessmentDimension

    group = make_group()
    db.session.add(AssessmentDimension(programme=group.cohort.programme, position=1,
                                       name_nb="Felles mål", name_en="Shared goals"))
    db.session.commit()
    page = staff.get(f"/groups/{group.id}", headers=EN).get_data(as_text=True)
    # Not "before the survey was run here": this group has no round of it.
    assert "Scores entered by the coordinators" in page and HISTORY not in page
    assert f"/assessments/groups/{group.id}/baseline" in page
    assert f"/assessments/groups/{group.id}/final" in page


def test_the_cohort_page_links_group_effectiveness_to_the_survey_and_typed_scores_as_history(
        staff, compared, make_group, db):
    group = compared()
    cohort_page = f"/cohorts/{group.cohort_id}"
    page = staff.get(cohort_page, headers=EN).get_data(as_text=True)
    assert re.search(rf'href="/surveys/cohorts/{group.cohort_id}/results">Group effectiveness '
                     "before and after<", page)
    assert f"/assessments/cohorts/{group.cohort_id}" not in page
    typed_baseline(group, db)
    page = staff.get(cohort_page, headers=EN).get_data(as_text=True)
    assert re.search(rf'href="/assessments/cohorts/{group.cohort_id}">{HISTORY}<', page)
    # A cohort before the survey: its typed scores are its group effectiveness.
    old = make_group()
    db.session.commit()
    page = staff.get(f"/cohorts/{old.cohort_id}", headers=EN).get_data(as_text=True)
    assert re.search(rf'href="/assessments/cohorts/{old.cohort_id}">Group effectiveness '
                     "before and after<", page)


def test_the_programme_page_puts_the_typed_scores_dimensions_after_the_instruments(
        staff, make_programme, db):
    programme = make_programme()
    db.session.commit()
    page = staff.get(f"/programmes/{programme.id}", headers=EN).get_data(as_text=True)
    assert "Assessment dimensions</h2>" not in page
    assert page.index('id="instruments"') < page.index(
        ">Dimensions of the scores entered by staff</h2>")


def test_cohort_tables_have_part_headings_and_say_how_the_change_is_worked_out(
        staff, ministry_world):
    _ministry, cohort, _groups = ministry_world
    page = staff.get(f"/surveys/cohorts/{cohort.id}/results", headers=EN).get_data(as_text=True)
    headings = re.findall(r'<th scope="colgroup" colspan="5">([^<]*)</th>', page)
    assert len(headings) == 2 and "worked out before rounding" in page


def test_the_sector_download_counts_the_groups_its_reader_may_see(client, make_user, make_programme,
                                                                  ministry_world, db):
    """The download counts what the page counts: a coordinator limited to another programme
    sees none of the groups, on the page and in the file alike."""
    from tracker.users.services import limit_to_programmes

    _ministry, cohort, _groups = ministry_world
    limited = make_user("coordinator", email="begrenset.koordinator@example.org")
    limit_to_programmes(limited, [make_programme(
        name_nb="Et annet program", name_en="Another programme",
        responsible_organisation=cohort.programme.responsible_organisation)])
    db.session.commit()
    login_as(client, limited)
    page = client.get("/reports/sector").get_data(as_text=True)
    assert "sector-survey-caption" not in page
    for fmt in ("csv", "xlsx"):
        download = client.get(f"/reports/sector/survey-results.{fmt}")
        assert download.status_code == 200
        body = (download.get_data().decode("utf-8-sig") if fmt == "csv" else
                "\n".join(str(row) for row in load_workbook(io.BytesIO(download.get_data()))
                          .active.iter_rows(values_only=True)))
        assert "PRE1" not in body
