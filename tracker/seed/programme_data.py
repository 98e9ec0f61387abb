"""The real programme's facts, as plain data: organisations, programme, course plan, cohorts.

Taken from the programme's source text and public registers (see DOMAIN.md). Kinds, seasons and
module kinds are spelled as the values of the models' enumerations, so this module needs no
database and a reader can check it against the source line by line.
"""
from datetime import date
from typing import NamedTuple


class OrganisationFacts(NamedTuple):
    name_nb: str
    short_name: str | None
    name_en: str
    kind: str  # an OrganisationKind value
    owning_ministry: str | None  # the owning ministry's short name, as in 2015–2017
    org_number: str | None  # None where no number is known for sure: never guessed


class ProgrammeFacts(NamedTuple):
    name_nb: str
    name_en: str
    responsible_organisation: str  # name_nb
    course_length_months: int
    groups_per_cohort: int
    description_nb: str
    description_en: str


class ModuleFacts(NamedTuple):
    name_nb: str
    name_en: str
    kind: str  # a ModuleKind value
    is_joint: bool
    offset_weeks: int
    duration_days: int
    hours_per_day: int
    name_nn: str = ""  # the module's name on nynorsk pages (NYNORSK_MODULE_NAMES)


class CohortFacts(NamedTuple):
    label: str
    ordinal: int
    season: str  # a Season value
    year: int
    start_date: date
    organisations: tuple[str, ...]  # name_nb, in the source's order
    notes: str


MINISTRY, DIRECTORATE = "ministry", "directorate"

# Ministries come first, so every agency's owning ministry exists before the agency.
ORGANISATIONS: tuple[OrganisationFacts, ...] = (
    OrganisationFacts("Nærings- og fiskeridepartementet", "NFD",
                      "Ministry of Trade, Industry and Fisheries", MINISTRY, None, "912660680"),
    OrganisationFacts("Klima- og miljødepartementet", "KLD",
                      "Ministry of Climate and Environment", MINISTRY, None, "972417882"),
    OrganisationFacts("Kommunal- og moderniseringsdepartementet", "KMD",
                      "Ministry of Local Government and Modernisation", MINISTRY, None,
                      "972417858"),
    OrganisationFacts("Helse- og omsorgsdepartementet", "HOD",
                      "Ministry of Health and Care Services", MINISTRY, None, "983887406"),
    OrganisationFacts("Kunnskapsdepartementet", "KD",
                      "Ministry of Education and Research", MINISTRY, None, "872417842"),
    OrganisationFacts("Landbruks- og matdepartementet", "LMD",
                      "Ministry of Agriculture and Food", MINISTRY, None, "972417874"),
    OrganisationFacts("Kulturdepartementet", "KUD",
                      "Ministry of Culture", MINISTRY, None, "972417866"),
    OrganisationFacts("Barne- og likestillingsdepartementet", "BLD",
                      "Ministry of Children and Equality", MINISTRY, None, "972417793"),
    OrganisationFacts("Olje- og energidepartementet", "OED",
                      "Ministry of Petroleum and Energy", MINISTRY, None, "977161630"),
    OrganisationFacts("Finansdepartementet", "FIN",
                      "Ministry of Finance", MINISTRY, None, None),
    OrganisationFacts("Arbeids- og sosialdepartementet", "ASD",
                      "Ministry of Labour and Social Affairs", MINISTRY, None, "983887457"),
    OrganisationFacts("Helsedirektoratet", "Hdir",
                      "Norwegian Directorate of Health", DIRECTORATE, "HOD", "983544622"),
    OrganisationFacts("Norges vassdrags- og energidirektorat", "NVE",
                      "Norwegian Water Resources and Energy Directorate", DIRECTORATE, "OED",
                      "970205039"),
    OrganisationFacts("Utdanningsdirektoratet", "Udir",
                      "Norwegian Directorate for Education and Training", DIRECTORATE, "KD",
                      "970018131"),
    OrganisationFacts("Barne-, ungdoms- og familiedirektoratet", "Bufdir",
                      "Norwegian Directorate for Children, Youth and Family Affairs", DIRECTORATE,
                      "BLD", "986128433"),
    OrganisationFacts("Mattilsynet", None,
                      "Norwegian Food Safety Authority", DIRECTORATE, "LMD", "985399077"),
    OrganisationFacts("Direktoratet for økonomistyring", "DFØ",
                      "Norwegian Government Agency for Financial Management", DIRECTORATE, "FIN",
                      "986252932"),
    OrganisationFacts("Konkurransetilsynet", None,
                      "Norwegian Competition Authority", DIRECTORATE, "NFD", "974761246"),
    OrganisationFacts("Miljødirektoratet", "Mdir",
                      "Norwegian Environment Agency", DIRECTORATE, "KLD", "999601391"),
    OrganisationFacts("Skattedirektoratet", "SKD",
                      "Directorate of Taxes", DIRECTORATE, "FIN", "974761076"),
    OrganisationFacts("Arbeids- og velferdsdirektoratet", "NAV",
                      "Norwegian Labour and Welfare Directorate", DIRECTORATE, "ASD", "889640782"),
    OrganisationFacts("Lånekassen", None,
                      "Norwegian State Educational Loan Fund", DIRECTORATE, "KD", "960885406"),
    OrganisationFacts("Tolldirektoratet", None,
                      "Directorate of Customs", DIRECTORATE, "FIN", None),
    OrganisationFacts("Direktoratet for forvaltning og IKT", "Difi",
                      "Agency for Public Management and eGovernment", DIRECTORATE, "KMD", None),
)

PROGRAMME = ProgrammeFacts(
    name_nb="Program for toppledergrupper",
    name_en="Programme for top-management groups",
    responsible_organisation="Direktoratet for forvaltning og IKT",
    course_length_months=10,
    groups_per_cohort=4,
    description_nb=(
        "Programmet skal styrke ledergruppenes strategiske kompetanse gjennom økt "
        "gruppeeffektivitet. Et kull er fire ledergrupper – toppleder i et departement eller "
        "direktorat og ledergruppen rundt vedkommende – som følger programmet sammen i om lag "
        "ti måneder.\n\n"
        "De fire gruppene møtes til fire fellessamlinger på én til to dager. Mellom samlingene "
        "arbeider hver gruppe med sin egen effektivitet i egen virksomhet, med støtte fra "
        "programmets medarbeidere og konsulenter. Gruppenes effektivitet kartlegges før og "
        "etter programmet.\n\n"
        "Programmet er et av tiltakene i Program for bedre styring og ledelse i staten "
        "(2014–2017) under Kommunal- og moderniseringsdepartementet. Difi har ansvaret for å "
        "utvikle og gjennomføre det."
    ),
    description_en=(
        "The programme strengthens the strategic skills of leadership groups through greater "
        "group effectiveness. A cohort is four leadership groups – the top leader of a ministry "
        "or directorate and that leader's management group – who take the course together over "
        "about ten months.\n\n"
        "The four groups meet at four joint gatherings of one to two days. Between them, each "
        "group works on its own effectiveness in its own organisation, supported by programme "
        "staff and consultants. Each group's effectiveness is assessed before and after the "
        "course.\n\n"
        "The programme is one of the measures of the Programme for better governance and "
        "leadership in the state (2014–2017) under the Ministry of Local Government and "
        "Modernisation. Difi is responsible for developing and running it."
    ),
)

# The typical course plan: ours to model, not a published schedule. Joint gathering 1 is in
# week 8 because cohort 3 started in January 2017 and met first in early March. The weeks
# between are spread so that no module of an autumn cohort lands in Christmas week and the
# closing of an autumn cohort still falls before its planned end in June.
COURSE_PLAN: tuple[ModuleFacts, ...] = (
    ModuleFacts("Oppstart og førkartlegging", "Start and baseline assessment",
                "assessment", False, 0, 1, 3),
    ModuleFacts("Fellessamling 1", "Joint gathering 1", "joint_gathering", True, 8, 2, 6),
    ModuleFacts("Gruppearbeid og veiledning 1", "Group work and coaching 1",
                "group_work", False, 13, 1, 3),
    ModuleFacts("Fellessamling 2", "Joint gathering 2", "joint_gathering", True, 19, 2, 6),
    ModuleFacts("Gruppearbeid og veiledning 2", "Group work and coaching 2",
                "group_work", False, 24, 1, 3),
    ModuleFacts("Fellessamling 3", "Joint gathering 3", "joint_gathering", True, 28, 1, 6),
    ModuleFacts("Gruppearbeid og veiledning 3", "Group work and coaching 3",
                "group_work", False, 32, 1, 3),
    ModuleFacts("Fellessamling 4", "Joint gathering 4", "joint_gathering", True, 36, 2, 6),
    ModuleFacts("Sluttkartlegging", "Final assessment", "assessment", False, 40, 1, 3),
    ModuleFacts("Avslutning og evaluering", "Closing and evaluation",
                "evaluation", True, 43, 1, 5),
)

# Nynorsk pages show the programme's texts in nynorsk: the same modules, by their bokmål name.
NYNORSK_MODULE_NAMES = {
    "Oppstart og førkartlegging": "Oppstart og førkartlegging",
    "Fellessamling 1": "Fellessamling 1",
    "Gruppearbeid og veiledning 1": "Gruppearbeid og rettleiing 1",
    "Fellessamling 2": "Fellessamling 2",
    "Gruppearbeid og veiledning 2": "Gruppearbeid og rettleiing 2",
    "Fellessamling 3": "Fellessamling 3",
    "Gruppearbeid og veiledning 3": "Gruppearbeid og rettleiing 3",
    "Fellessamling 4": "Fellessamling 4",
    "Sluttkartlegging": "Sluttkartlegging",
    "Avslutning og evaluering": "Avslutning og evaluering",
}
COURSE_PLAN = tuple(m._replace(name_nn=NYNORSK_MODULE_NAMES[m.name_nb]) for m in COURSE_PLAN)

# The source gives only a season for each cohort (and January for Kull 3); the exact start dates
# are our choice, on Mondays where we could:
# - Pilot 2015-09-01: the start of the first autumn term.
# - Kull 1 2016-08-29: the 43-week plan from early September would put the closing in July,
#   which moves to August, after the planned end; a start in the last week of August does not.
# - Kull 2 2016-10-10: a month after Kull 1, so the two autumn cohorts do not start together.
#   Its final assessment falls in July and moves to 1 August, the week before its closing; a
#   start on 3 October would have put both on the same day.
# - Kull 3 2017-01-09: the source says January; the first gathering is then on 6 March.
# - Kull 4 2017-04-03: spring 2017, the week before Easter week.
COHORTS: tuple[CohortFacts, ...] = (
    CohortFacts(
        "Pilot", 0, "autumn", 2015, date(2015, 9, 1),
        ("Nærings- og fiskeridepartementet", "Klima- og miljødepartementet",
         "Helsedirektoratet", "Norges vassdrags- og energidirektorat"),
        "Pilotkullet. Kilden oppgir høsten 2015; startdatoen er anslått.",
    ),
    CohortFacts(
        "Kull 1", 1, "autumn", 2016, date(2016, 8, 29),
        ("Kommunal- og moderniseringsdepartementet", "Helse- og omsorgsdepartementet",
         "Utdanningsdirektoratet", "Barne-, ungdoms- og familiedirektoratet"),
        "Kilden oppgir høsten 2016; startdatoen er anslått.",
    ),
    CohortFacts(
        "Kull 2", 2, "autumn", 2016, date(2016, 10, 10),
        ("Mattilsynet", "Direktoratet for økonomistyring", "Konkurransetilsynet",
         "Miljødirektoratet"),
        "Kilden oppgir høsten 2016; startdatoen er anslått.",
    ),
    CohortFacts(
        "Kull 3", 3, "spring", 2017, date(2017, 1, 9),
        ("Skattedirektoratet", "Arbeids- og velferdsdirektoratet", "Lånekassen",
         "Tolldirektoratet"),
        "Kilden oppgir oppstart i januar 2017 og første fellessamling i begynnelsen av mars.",
    ),
    CohortFacts(
        "Kull 4", 4, "spring", 2017, date(2017, 4, 3),
        ("Kunnskapsdepartementet", "Landbruks- og matdepartementet", "Kulturdepartementet",
         "Barne- og likestillingsdepartementet"),
        "Kilden oppgir våren 2017; startdatoen er anslått.",
    ),
)


class DimensionFacts(NamedTuple):
    name_nb: str
    name_en: str
    description_nb: str
    description_en: str
    name_nn: str = ""  # the dimension's name on nynorsk pages (NYNORSK_DIMENSION_NAMES)


# What the group-effectiveness survey measures, as dimensions to score from 1 to 5. The source
# describes the "Effect" survey with 24 factors but does not list them: these names are our
# model of its factors, not the survey's published list.
ASSESSMENT_DIMENSIONS: tuple[DimensionFacts, ...] = (
    DimensionFacts("Tydelig formål", "Clear purpose",
                   "Gruppen vet hvorfor den finnes og hva bare den kan gjøre.",
                   "The group knows why it exists and what only it can do."),
    DimensionFacts("Felles mål", "Common goals",
                   "Medlemmene arbeider mot mål de har satt sammen.",
                   "The members work towards goals they have set together."),
    DimensionFacts("Roller og ansvar", "Roles and responsibilities",
                   "Det er klart hvem som har ansvar for hva, i gruppen og utenfor den.",
                   "It is clear who is responsible for what, in the group and outside it."),
    DimensionFacts("Effektive møter", "Meeting effectiveness",
                   "Møtene er forberedt, har en klar agenda og ender i noe.",
                   "Meetings are prepared, have a clear agenda and lead somewhere."),
    DimensionFacts("Beslutninger", "Decision making",
                   "Gruppen tar beslutninger på et godt grunnlag og i tide.",
                   "The group makes decisions on good grounds and in time."),
    DimensionFacts("Tillit og psykologisk trygghet", "Trust and psychological safety",
                   "Medlemmene sier det de mener, også når de er uenige.",
                   "Members say what they think, also when they disagree."),
    DimensionFacts("Strategisk fokus", "Strategic focus",
                   "Gruppen bruker tiden sin på virksomhetens viktigste spørsmål.",
                   "The group spends its time on the organisation's most important questions."),
    DimensionFacts("Oppfølging av beslutninger", "Follow-through on decisions",
                   "Det gruppen bestemmer, blir gjort og fulgt opp.",
                   "What the group decides is done and followed up."),
    DimensionFacts("Bruk av tid", "Use of time",
                   "Tiden i gruppen står i forhold til hva sakene betyr.",
                   "The time the group spends matches what the matters are worth."),
    DimensionFacts("Tilbakemelding og læring", "Feedback and learning",
                   "Gruppen ser på egen praksis og lærer av den.",
                   "The group looks at how it works and learns from it."),
)

NYNORSK_DIMENSION_NAMES = {
    "Tydelig formål": "Tydeleg formål",
    "Felles mål": "Felles mål",
    "Roller og ansvar": "Roller og ansvar",
    "Effektive møter": "Effektive møte",
    "Beslutninger": "Avgjerder",
    "Tillit og psykologisk trygghet": "Tillit og psykologisk tryggleik",
    "Strategisk fokus": "Strategisk fokus",
    "Oppfølging av beslutninger": "Oppfølging av avgjerder",
    "Bruk av tid": "Bruk av tid",
    "Tilbakemelding og læring": "Tilbakemelding og læring",
}
ASSESSMENT_DIMENSIONS = tuple(d._replace(name_nn=NYNORSK_DIMENSION_NAMES[d.name_nb]) for d in ASSESSMENT_DIMENSIONS)
