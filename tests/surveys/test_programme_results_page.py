"""The programme's survey results page stays the same size however many cohorts it has had
(issue 14): the three newest cohorts in full, each earlier one as a line linking to its own
page; the downloads keep every cohort."""
from datetime import date

from tests.surveys.test_result_pages import compared  # noqa: F401 (a fixture)


def test_earlier_cohorts_are_a_line_each_and_the_download_keeps_them(
        staff, db, make_programme, make_cohort, make_instrument, compared):  # noqa: F811
    programme = make_programme()
    version = make_instrument(programme).latest
    cohorts = [make_cohort(programme=programme, start_date=date(2015 + n, 1, 12))
               for n in range(4)]
    for cohort in cohorts:
        compared(cohort, version=version)
    page = staff.get(f"/programmes/{programme.id}/survey-results").get_data(as_text=True)
    oldest, *newest = cohorts
    for cohort in newest:
        assert f"programme-survey-caption-{cohort.id}" in page
    assert f"programme-survey-caption-{oldest.id}" not in page
    assert f'href="/surveys/cohorts/{oldest.id}/results"' in page
    assert page.index(newest[-1].label) < page.index(newest[0].label)  # newest first
    csv = staff.get(f"/programmes/{programme.id}/survey-results.csv").get_data().decode("utf-8-sig")
    assert all(cohort.label in csv for cohort in cohorts)
