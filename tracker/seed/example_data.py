"""The demo's example cohorts: made-up courses of real state organisations, dated from the day
the demo is loaded, so a newcomer sees a programme at work (a course under way, one about to
start, one just finished) beside the real, finished Pilot–Kull 4.

Plain data, like `programme_data`. The organisations are real and, but for one, took no part
in Pilot–Kull 4; the people in their groups are as fictional as everywhere in the demo.
Utdanningsdirektoratet (Kull 1) takes the course again in the running example: it is the
organisation of the demo's group leader account, whose home is that running group, and it lies
in the demo ministry viewer's sector. Organisation numbers are left empty: not numbers we checked.
"""
from typing import NamedTuple

from tracker.seed.programme_data import DIRECTORATE, OrganisationFacts

# Real organisations the examples need that the programme's own table does not hold, each
# under a ministry of that table. Names as they are today, for courses dated today.
ORGANISATIONS: tuple[OrganisationFacts, ...] = (
    OrganisationFacts("Statistisk sentralbyrå", "SSB", "Statistics Norway", DIRECTORATE, "FIN",
                      None),
    OrganisationFacts("Landbruksdirektoratet", None, "Norwegian Agriculture Agency", DIRECTORATE,
                      "LMD", None),
    OrganisationFacts("Arbeidstilsynet", None, "Norwegian Labour Inspection Authority",
                      DIRECTORATE, "ASD", None),
    OrganisationFacts("Folkehelseinstituttet", "FHI", "Norwegian Institute of Public Health",
                      DIRECTORATE, "HOD", None),
    OrganisationFacts("Riksantikvaren", None, "Directorate for Cultural Heritage", DIRECTORATE,
                      "KLD", None),
    OrganisationFacts("Kartverket", None, "Norwegian Mapping Authority", DIRECTORATE, "KMD",
                      None),
    OrganisationFacts("Fiskeridirektoratet", None, "Directorate of Fisheries", DIRECTORATE,
                      "NFD", None),
    OrganisationFacts("Nasjonalbiblioteket", None, "National Library of Norway", DIRECTORATE,
                      "KUD", None),
    OrganisationFacts("Statens helsetilsyn", None, "Norwegian Board of Health Supervision",
                      DIRECTORATE, "HOD", None),
)

# The example cohorts' labels begin so, and their information for participants says so: the
# marks that tell an example from the programme's own cohorts, on every page that names one.
LABEL_PREFIX = "Eksempel:"

MONTHS_NB = ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august",
             "september", "oktober", "november", "desember")


class ExampleGroup(NamedTuple):
    organisation: str  # name_nb
    # How far the group has come: "active", "confirmed" or "invited" (and not answered).
    status: str
    # A share present well below the attention threshold, so the group shows low attendance.
    low_attendance: bool = False
    # Its own session last week has no register yet.
    register_pending: bool = False


class ExampleFacts(NamedTuple):
    key: str  # what the example shows; also what its draws are seeded with
    # Kept clear of the programme's own numbers (and of those a coordinator gives the next
    # real cohorts): the examples are found again by it, whatever day they were loaded on.
    ordinal: int
    groups: tuple[ExampleGroup, ...]
    participant_information: str
    notes: str


MID_COURSE, STARTING_SOON, JUST_FINISHED = "mid_course", "starting_soon", "just_finished"

EXAMPLE_NOTE = (
    "Dette er et eksempelkull i demonstrasjonsdataene, datert ut fra dagen dataene ble lastet. "
    "Virksomhetene finnes, men de har ikke tatt del i dette kullet, og personene er oppdiktet."
)

EXAMPLES: tuple[ExampleFacts, ...] = (
    ExampleFacts(
        MID_COURSE, 901,
        (ExampleGroup("Utdanningsdirektoratet", "active"),
         ExampleGroup("Finansdepartementet", "active"),
         ExampleGroup("Statistisk sentralbyrå", "active", register_pending=True),
         ExampleGroup("Landbruksdirektoratet", "active", low_attendance=True)),
        EXAMPLE_NOTE + "\n\nKurset er midt i løpet: neste fellessamling er om to uker.",
        "Eksempel: oppmøtet for sist ukes gruppesamling er ikke registrert ennå. "
        "Landbruksdirektoratets ledergruppe har hatt lavt oppmøte.",
    ),
    ExampleFacts(
        STARTING_SOON, 902,
        (ExampleGroup("Arbeidstilsynet", "confirmed"),
         ExampleGroup("Folkehelseinstituttet", "confirmed"),
         ExampleGroup("Riksantikvaren", "invited")),
        EXAMPLE_NOTE + "\n\nKurset starter om noen måneder. Én plass er fortsatt ledig.",
        "Eksempel: Riksantikvaren har ikke svart på invitasjonen.",
    ),
    ExampleFacts(
        JUST_FINISHED, 903,
        (ExampleGroup("Kartverket", "active"),
         ExampleGroup("Fiskeridirektoratet", "active"),
         ExampleGroup("Nasjonalbiblioteket", "active"),
         ExampleGroup("Statens helsetilsyn", "active")),
        EXAMPLE_NOTE + "\n\nKurset er nettopp avsluttet. Sluttkartleggingen er gjennomført, "
        "men resultatene er ikke registrert ennå.",
        "Eksempel: registrer sluttkartleggingen for hver gruppe, og sett gruppene til fullført.",
    ),
)


def example_label(start_month: int, start_year: int) -> str:
    """"Eksempel: Kull juni 2026": the month keeps the examples' labels apart."""
    return f"{LABEL_PREFIX} Kull {MONTHS_NB[start_month - 1]} {start_year}"
