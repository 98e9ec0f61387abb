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
    # How many answered the group's survey rounds (baseline, final); None: all, or all but one.
    baseline_answers: int | None = None
    final_answers: int | None = None
    # The baseline went out late and is still open: it closes a week from the load.
    baseline_open: bool = False


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
         # Six are asked, three have answered so far: reminders are due.
         ExampleGroup("Statistisk sentralbyrå", "active", register_pending=True,
                      baseline_answers=3, baseline_open=True),
         # Two of five answered: too few for results to be shown.
         ExampleGroup("Landbruksdirektoratet", "active", low_attendance=True,
                      baseline_answers=2)),
        EXAMPLE_NOTE + "\n\nKurset er midt i løpet: neste fellessamling er om to uker.",
        "Eksempel: oppmøtet for sist ukes gruppesamling er ikke registrert ennå. "
        "Landbruksdirektoratets ledergruppe har hatt lavt oppmøte, og for få svarte på "
        "førundersøkelsen til at resultatene kan vises. Statistisk sentralbyrås førundersøkelse "
        "ble sendt sent og er fortsatt åpen.",
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
        EXAMPLE_NOTE + "\n\nKurset er nettopp avsluttet. Sluttkartleggingen er gjennomført, og "
        "resultatene fra undersøkelsen er klare.",
        "Eksempel: svarene på sluttundersøkelsen er kommet inn fra alle gruppene. Registrer "
        "sluttkartleggingen for hver gruppe, og sett gruppene til fullført.",
    ),
)


def example_label(start_month: int, start_year: int) -> str:
    """"Eksempel: Kull juni 2026": the month keeps the examples' labels apart."""
    return f"{LABEL_PREFIX} Kull {MONTHS_NB[start_month - 1]} {start_year}"


# What respondents wrote in the open questions, by round kind and question code: short and
# varied, as such answers are, naming nobody. A few in nynorsk, as some respondents write.
OPEN_ANSWERS: dict[str, dict[str, tuple[str, ...]]] = {
    "baseline": {
        "OPEN-BEST": (
            "God stemning og lav terskel for å ta kontakt med hverandre.",
            "Alle er lojale mot beslutningene når de først er tatt.",
            "Faglig sterke folk som kjenner virksomheten godt.",
            "Vi er flinke til å håndtere akutte saker.",
            "Åpen tone, og toppleder er lett å få tak i.",
            "Ukemøtene holder oss orientert om hva som skjer.",
            "Vi stiller opp for kvarandre når det trengst.",
            "Kort vei fra beslutning til handling i enkeltsaker.",
        ),
        "OPEN-BEDRE": (
            "Møtene blir for mye orienteringssaker og for lite diskusjon.",
            "Vi må bli bedre til å følge opp det vi bestemmer.",
            "For lite tid til strategi, driften tar det meste.",
            "Uenighet tas for sjelden opp i møtet.",
            "Sakspapirene kommer ofte for sent til at vi rekker å lese dem.",
            "Vi snakker mest på vegne av egne avdelinger.",
            "Uklart hvilke saker som skal til ledergruppen og hvilke som kan avgjøres i linjen.",
            "Vi bør bli flinkare til å prioritere og seie nei til noko.",
        ),
        "OPEN-ANNET": (
            "Ser fram til å jobbe med dette sammen.",
            "Spent på hva vi får ut av programmet.",
            "Vanskelig å svare på noen av påstandene etter kort tid i gruppen.",
            "Viktig at dette ikke blir enda et prosjekt ved siden av alt annet.",
            "Bra at hele gruppen deltar.",
        ),
    },
    "final": {
        "OPEN-BEST": (
            "Møtene er kortere og ender oftere i en beslutning.",
            "Vi har en felles forståelse av hva ledergruppen skal bruke tiden på.",
            "Mer åpenhet, også når vi er uenige.",
            "Vi har fått en årsplan for ledergruppen som vi faktisk følger.",
            "Strategisaker får egne møter og blir ikke skviset av driften.",
            "Betre førebudde saker, og vi les papira på førehand.",
            "Tryggere på hverandre, det merkes i diskusjonene.",
            "Vi sier tydeligere fra når noe ikke fungerer.",
        ),
        "OPEN-BEDRE": (
            "Oppfølgingen av beslutninger kan fortsatt bli bedre.",
            "Vi må holde på de nye vanene når hverdagen tar oss igjen.",
            "Fortsatt for mange orienteringssaker på agendaen.",
            "Samarbeidet med andre virksomheter har vi ikke kommet langt med.",
            "Vi bør evaluere møtene våre jevnlig, også etter programmet.",
            "Det vi bestemmer, når ikke alltid ut til medarbeiderne på samme måte.",
            "Vi bruker framleis for lite tid på dei lange linjene.",
        ),
        "OPEN-ANNET": (
            "Samlingene med de andre ledergruppene var svært nyttige.",
            "Veiledningen i egen gruppe ga mest.",
            "Nyttig å se resultatene fra førkartleggingen sammen.",
            "Krevende å sette av tid, men verdt det.",
            "Ønsker en oppfølging om et år.",
            "Godt opplegg. Anbefales for andre ledergrupper.",
        ),
    },
}
